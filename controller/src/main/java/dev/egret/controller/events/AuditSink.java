package dev.egret.controller.events;

import dev.egret.audit.AuditEvent;
import dev.egret.audit.AuditEventChecks;
import dev.egret.audit.AuditEventCodec;
import dev.egret.controller.ControllerMetrics;
import dev.egret.controller.store.AuditStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where audit events reach the store, whatever their transport. Each message is acknowledged only after the store
 * wrote it durably: for HTTP that completes the request, for Kafka it lets the consumer commit the offsets.
 */
@ApplicationScoped
public class AuditSink {
    public static final String HTTP_CHANNEL = "audit-http";
    public static final String KAFKA_CHANNEL = "audit-kafka";
    private static final Logger LOG = Logger.getLogger(AuditSink.class);

    private final AuditStore store;
    private final MeterRegistry registry;
    private final Timer append;
    private final Counter duplicates;
    private final Counter rejectedKafka;
    private final Map<String, Counter> byVerdict = new ConcurrentHashMap<>();

    public AuditSink(AuditStore store, MeterRegistry registry) {
        this.store = store;
        this.registry = registry;
        this.append = Timer.builder(ControllerMetrics.AUDIT_APPEND)
                .description("Durable appends of audit batches (write and fsync)").register(registry);
        this.duplicates = Counter.builder(ControllerMetrics.AUDIT_DUPLICATES)
                .description("Audit events received again and dropped").register(registry);
        this.rejectedKafka = rejected(registry, "kafka");
        rejected(registry, "http");
        for (dev.egret.policy.Verdict v : dev.egret.policy.Verdict.values()) {
            verdictCounter(v.wireName());
        }
    }

    public static Counter rejected(MeterRegistry registry, String transport) {
        return Counter.builder(ControllerMetrics.AUDIT_REJECTED).tag("transport", transport)
                .description("Audit events refused as malformed").register(registry);
    }

    private Counter verdictCounter(String verdict) {
        return byVerdict.computeIfAbsent(verdict, v -> Counter.builder(ControllerMetrics.AUDIT_EVENTS)
                .tag("verdict", v).description("Audit events stored").register(registry));
    }

    @Incoming(HTTP_CHANNEL)
    @Blocking
    public void fromHttp(IngestBatch batch) {
        batch.result(store(batch.events()));
    }

    /** One poll of {@code egret.audit}: record values are single events as JSON; malformed ones are counted and skipped. */
    @Incoming(KAFKA_CHANNEL)
    @Blocking
    public void fromKafka(List<String> values) {
        List<AuditEvent> events = new ArrayList<>(values.size());
        for (String v : values) {
            try {
                AuditEvent e = AuditEventCodec.fromLine(v);
                List<String> problems = new ArrayList<>(AuditEventChecks.problems(e));
                EventTimes.problem(e, java.time.Instant.now()).ifPresent(problems::add);
                if (!problems.isEmpty()) {
                    throw new IllegalArgumentException(String.join("; ", problems));
                }
                events.add(e);
            } catch (RuntimeException e) {
                rejectedKafka.increment();
                LOG.warnf("dropping a malformed audit record from Kafka: %s", e.getMessage());
            }
        }
        if (!events.isEmpty()) {
            store(events);
        }
    }

    private AuditStore.AppendResult store(List<AuditEvent> events) {
        AuditStore.AppendResult r = append.record(() -> store.append(events));
        duplicates.increment(r.duplicates());
        for (AuditEvent e : r.acceptedEvents()) {
            verdictCounter(e.verdict().wireName()).increment();
        }
        return r;
    }
}
