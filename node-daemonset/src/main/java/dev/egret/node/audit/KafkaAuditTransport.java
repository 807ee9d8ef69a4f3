package dev.egret.node.audit;

import dev.egret.audit.AuditEvent;
import dev.egret.audit.AuditEventCodec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Delivers events to a Kafka topic (default {@code egret.audit}): key = workload (so one workload's events keep their
 * order), value = one {@link AuditEventCodec} JSON object, UTF-8 strings; acks=all with idempotence, and a batch
 * counts as delivered only when every record of it is acknowledged.
 */
public final class KafkaAuditTransport implements AuditTransport {
    private final KafkaProducer<String, String> producer;
    private final String topic;
    private final Duration timeout;

    public KafkaAuditTransport(String bootstrapServers, String topic, Duration timeout) {
        this.topic = topic;
        this.timeout = timeout;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) timeout.toMillis(),
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(timeout.toMillis(), 10_005 + 5),
                ProducerConfig.CLIENT_ID_CONFIG, "egret-node"), new StringSerializer(), new StringSerializer());
    }

    @Override
    public void deliver(List<AuditEvent> batch) throws IOException {
        List<Future<RecordMetadata>> sent = new ArrayList<>(batch.size());
        try {
            for (AuditEvent e : batch) {
                sent.add(producer.send(new ProducerRecord<>(topic, e.workload(), AuditEventCodec.toLine(e))));
            }
            producer.flush();
            long deadline = System.nanoTime() + timeout.toNanos();
            for (Future<RecordMetadata> f : sent) {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while delivering events to Kafka");
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new IOException("Kafka did not acknowledge the batch: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(2));
    }
}
