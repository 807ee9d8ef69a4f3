package dev.egret.node.audit.kafka;

import dev.egret.audit.AuditEvent;
import dev.egret.audit.AuditEventCodec;
import dev.egret.node.audit.AuditTransport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Delivers events to a Kafka topic ({@code egret.audit} by default): one record per event, key = workload (so one
 * workload's events keep their order), value = one {@link AuditEventCodec} JSON object, UTF-8 strings, acks=all with
 * idempotence. A batch counts as delivered only when the brokers have acknowledged every record of it. The producer
 * is made on the first delivery, so nothing of Kafka loads until there is something to send.
 */
public final class KafkaAuditTransport implements AuditTransport {
    private final Supplier<Producer<String, String>> factory;
    private final String topic;
    private final Duration timeout;
    private volatile Producer<String, String> producer; // made on the shipper thread

    public KafkaAuditTransport(Supplier<Producer<String, String>> factory, String topic, Duration timeout) {
        this.factory = factory;
        this.topic = topic;
        this.timeout = timeout;
    }

    /** The transport of {@code --events kafka}: a producer as below, made on the first delivery. */
    public static AuditTransport create(Map<String, String> settings, String topic, Duration timeout) {
        return new KafkaAuditTransport(producer(settings), topic, timeout);
    }

    /**
     * A producer with the operator's {@code kafka.*} settings that are producer settings (brokers, security, tuning)
     * and the delivery guarantees above, which the settings cannot weaken: acks=all, idempotence, string keys and
     * values.
     */
    public static Supplier<Producer<String, String>> producer(Map<String, String> settings) {
        return () -> new KafkaProducer<>(producerConfig(settings), new StringSerializer(), new StringSerializer());
    }

    static Map<String, Object> producerConfig(Map<String, String> settings) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "egret-node");
        // only the producer's own settings: a cluster also injects KAFKA_PORT, KAFKA_SERVICE_HOST... for a Service
        // named kafka, and those are not client settings
        settings.forEach((k, v) -> {
            if (ProducerConfig.configNames().contains(k)) {
                config.put(k, v);
            }
        });
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        config.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        return config;
    }

    /**
     * Kafka loads configured classes (its metrics reporter, serializers) through the thread's context class loader,
     * and its network thread inherits it: it is this class's loader (the optional libraries', in the packaged agent)
     * while the producer is made.
     */
    private Producer<String, String> made() {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(KafkaAuditTransport.class.getClassLoader());
        try {
            return factory.get();
        } finally {
            t.setContextClassLoader(before);
        }
    }

    @Override
    public void deliver(List<AuditEvent> batch) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (producer == null) {
                producer = made();
            }
            List<Future<?>> acked = new ArrayList<>(batch.size());
            for (AuditEvent e : batch) {
                acked.add(producer.send(new ProducerRecord<>(topic, e.workload(), AuditEventCodec.toLine(e))));
            }
            for (Future<?> f : acked) {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while delivering events to Kafka");
        } catch (ExecutionException e) {
            throw new IOException("Kafka refused the batch: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("Kafka did not acknowledge the batch within " + timeout.toSeconds() + " s", e);
        } catch (RuntimeException e) {
            throw new IOException("cannot hand the batch to the Kafka producer: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
