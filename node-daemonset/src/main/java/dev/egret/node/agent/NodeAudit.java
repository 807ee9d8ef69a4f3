package dev.egret.node.agent;

import dev.egret.audit.AuditEvent;
import dev.egret.node.audit.AuditBatch;
import dev.egret.node.audit.AuditJournal;
import dev.egret.node.audit.AuditPipeline;
import dev.egret.node.audit.AuditShipper;
import dev.egret.node.audit.AuditTransport;
import dev.egret.node.audit.EventFolder;
import dev.egret.node.audit.HttpAuditTransport;
import dev.egret.node.optional.OptionalLibraries;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The node's audit stream: kernel and DNS events, folded with their allowed repeats, are handed in batches to the
 * journal's thread ({@code egret-journal}, in order, through a bounded queue), which journals them on disk; a
 * shipper delivers the journal to the controller or Kafka.
 */
public final class NodeAudit {
    /**
     * Destinations folded at once (allowed and denied each). Past it, the open folds are stored and folding starts
     * again: nothing is lost, but a workload with more destinations per window than this (a crawler, a resolver
     * benchmark) then costs a journal line per event. Measured: a bound of 4096 against 10k names cut the proxy's
     * throughput by about a third (the journal thread shares the agent's CPU). Each open fold holds its first event,
     * about 300 bytes, so 10,000 of them are about 3 MiB of the heap at most.
     */
    private static final int FOLDED_KEYS = 10_000;
    private static final Logger LOG = Logger.getLogger(NodeAudit.class);
    /**
     * Events between the folder and the journal at most (the queue, in batches, never fills first): about 5 MiB of
     * events at most, within the agent's small heap (beyond it, batches are counted lost, never held).
     */
    private static final int MAX_IN_FLIGHT = 16_384;
    private static final int QUEUED_BATCHES = 65_536;

    private final NodeConfig config;
    private final NodeMetrics metrics;
    private volatile AuditPipeline pipeline;
    private ThreadPoolExecutor journalThread;

    public NodeAudit(NodeConfig config, NodeMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    void start(ControllerLink link) {
        AuditJournal journal = new AuditJournal(config.stateDir().resolve("journal"), config.name(),
                config.journalMaxBytes(), Math.max(64 * 1024, config.journalMaxBytes() / 16));
        AuditTransport transport = switch (config.transport()) {
            case "kafka" -> OptionalLibraries.kafkaTransport(config.kafkaProperties(), config.kafkaTopic(),
                    Duration.ofSeconds(30));
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
        // one thread, in order; a full queue refuses (RejectedExecutionException), which the pipeline counts as lost
        journalThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED_BATCHES),
                r -> Thread.ofPlatform().name("egret-journal").daemon().unstarted(r), new ThreadPoolExecutor.AbortPolicy());
        pipeline = new AuditPipeline(journal, new EventFolder(config.auditFoldWindow(), FOLDED_KEYS), shipper, Clock.systemUTC(),
                b -> journalThread.execute(() -> consume(b)), metrics::auditLost, MAX_IN_FLIGHT);
        metrics.bindJournal(journal);
        LOG.infof("audit journal in %s (%d pending), delivery: %s", config.stateDir().resolve("journal"), journal.pending(),
                transport == null ? "none (no controller configured)" : config.transport());
    }

    /** Takes an event: folded with its repeats, then handed to the journal's thread; never throws. */
    public void publish(AuditEvent e) {
        AuditPipeline p = pipeline;
        if (p != null) {
            p.offer(e);
        }
    }

    private void consume(AuditBatch b) {
        AuditPipeline p = pipeline;
        if (p != null) {
            p.store(b); // counts what it cannot journal as lost; never throws
        }
    }

    /** Journals what is in flight and still folded, then closes the journal and the delivery. */
    void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
        if (journalThread != null) {
            journalThread.shutdown();
        }
    }
}
