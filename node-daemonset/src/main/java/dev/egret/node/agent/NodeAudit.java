package dev.egret.node.agent;

import dev.egret.audit.AuditEvent;
import dev.egret.node.audit.AuditBatch;
import dev.egret.node.audit.AuditJournal;
import dev.egret.node.audit.AuditPipeline;
import dev.egret.node.audit.AuditShipper;
import dev.egret.node.audit.AuditTransport;
import dev.egret.node.audit.EventFolder;
import dev.egret.node.audit.HttpAuditTransport;
import dev.egret.node.audit.KafkaAuditTransport;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;

/**
 * The node's audit stream: kernel and DNS events, folded with their allowed repeats, are published on the
 * {@code audit-events} channel; its consumer
 * journals them (bounded, on disk) and a shipper delivers the journal to the controller or Kafka.
 */
@ApplicationScoped
public class NodeAudit {
    private static final Logger LOG = Logger.getLogger(NodeAudit.class);
    public static final String CHANNEL = "audit-events";
    /**
     * Events between the folder and the journal at most (the emitter's buffer, in batches, never fills first): about
     * 5 MiB of events at most, within the agent's small heap (beyond it, batches are counted lost, never held).
     */
    private static final int MAX_IN_FLIGHT = 16_384;

    @Inject
    NodeConfig config;

    @Inject
    NodeMetrics metrics;

    @Inject
    @Channel(CHANNEL)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 65536)
    Emitter<AuditBatch> emitter;

    @Inject
    @Channel(KafkaAuditTransport.CHANNEL)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 2048)
    Emitter<String> kafka;

    private volatile AuditPipeline pipeline;

    void start(ControllerLink link) {
        AuditJournal journal = new AuditJournal(config.stateDir().resolve("journal"), config.name(),
                config.journalMaxBytes(), Math.max(64 * 1024, config.journalMaxBytes() / 16));
        AuditTransport transport = switch (config.transport()) {
            case "kafka" -> new KafkaAuditTransport(kafka, Duration.ofSeconds(30));
            default -> link.client().<AuditTransport>map(HttpAuditTransport::new).orElse(null);
        };
        AuditShipper shipper = transport == null ? null : new AuditShipper(journal, transport, 500, Duration.ofSeconds(10),
                new AuditShipper.Listener() {
                    @Override
                    public void delivered(int events) {
                        metrics.auditDelivered(events);
                    }

                    @Override
                    public void reachable(boolean up) {
                        metrics.auditReceiverUp(up);
                    }
                });
        pipeline = new AuditPipeline(journal, new EventFolder(config.auditFoldWindow(), 10_000), shipper, Clock.systemUTC(),
                emitter::send, metrics::auditLost, MAX_IN_FLIGHT);
        metrics.bindJournal(journal);
        LOG.infof("audit journal in %s (%d pending), delivery: %s", config.stateDir().resolve("journal"), journal.pending(),
                transport == null ? "none (no controller configured)" : config.transport());
    }

    /** Takes an event: folded with its repeats, then published on the audit channel; never throws. */
    public void publish(AuditEvent e) {
        AuditPipeline p = pipeline;
        if (p != null) {
            p.offer(e);
        }
    }

    @Incoming(CHANNEL)
    @Blocking(ordered = true)
    void consume(AuditBatch b) {
        AuditPipeline p = pipeline;
        if (p != null) {
            p.store(b);
        }
    }

    void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }
}
