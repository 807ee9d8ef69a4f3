package dev.egret.node.audit;

import dev.egret.audit.AuditEvent;
import dev.egret.audit.AuditEventCodec;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Delivers events through the SmallRye Kafka connector (channel {@code audit-kafka}, topic {@code egret.audit} by
 * default): one record per event, key = workload (so one workload's events keep their order), value = one
 * {@link AuditEventCodec} JSON object, UTF-8 strings, acks=all with idempotence. A batch counts as delivered only
 * when the connector has acknowledged every record of it.
 */
public final class KafkaAuditTransport implements AuditTransport {
    public static final String CHANNEL = "audit-kafka";

    private final Emitter<String> emitter;
    private final Duration timeout;

    public KafkaAuditTransport(Emitter<String> emitter, Duration timeout) {
        this.emitter = emitter;
        this.timeout = timeout;
    }

    @Override
    public void deliver(List<AuditEvent> batch) throws IOException {
        List<CompletableFuture<Void>> acked = new ArrayList<>(batch.size());
        try {
            for (AuditEvent e : batch) {
                CompletableFuture<Void> ack = new CompletableFuture<>();
                acked.add(ack);
                emitter.send(Message.of(AuditEventCodec.toLine(e))
                        .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(e.workload()).build())
                        .withAck(() -> {
                            ack.complete(null);
                            return CompletableFuture.completedFuture(null);
                        })
                        .withNack(t -> {
                            ack.completeExceptionally(t);
                            return CompletableFuture.completedFuture(null);
                        }));
            }
            CompletableFuture.allOf(acked.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while delivering events to Kafka");
        } catch (ExecutionException e) {
            throw new IOException("Kafka refused the batch: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("Kafka did not acknowledge the batch within " + timeout.toSeconds() + " s", e);
        } catch (RuntimeException e) {
            throw new IOException("cannot hand the batch to the Kafka connector: " + e.getMessage(), e);
        }
    }
}
