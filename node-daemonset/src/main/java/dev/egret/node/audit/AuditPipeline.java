package dev.egret.node.audit;

import dev.egret.audit.AuditEvent;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node's audit path after the message channel: folds allowed repeats, appends to the journal, wakes the shipper,
 * and forces the journal to disk once a second. Thread-safe: events arrive from the kernel reader and the DNS proxy.
 */
public final class AuditPipeline implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AuditPipeline.class);

    private final AuditJournal journal;
    private final EventFolder folder;
    private final AuditShipper shipper;
    private final Clock clock;
    private final ScheduledExecutorService ticker;

    /** @param shipper null when events are only journaled (no controller, no Kafka configured) */
    public AuditPipeline(AuditJournal journal, EventFolder folder, AuditShipper shipper, Clock clock) {
        this.journal = journal;
        this.folder = folder;
        this.shipper = shipper;
        this.clock = clock;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("egret-audit-tick").daemon().unstarted(r));
        ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    public void accept(AuditEvent e) {
        List<AuditEvent> ready;
        synchronized (folder) {
            ready = folder.offer(e, clock.instant());
        }
        store(ready);
    }

    private void tick() {
        try {
            List<AuditEvent> due;
            synchronized (folder) {
                due = folder.due(clock.instant());
            }
            store(due);
            journal.flush();
        } catch (RuntimeException e) {
            LOG.error("audit journal tick failed", e);
        }
    }

    private void store(List<AuditEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        events.forEach(journal::append);
        if (shipper != null) {
            shipper.nudge();
        }
    }

    public AuditJournal journal() {
        return journal;
    }

    @Override
    public void close() {
        ticker.shutdown();
        List<AuditEvent> rest;
        synchronized (folder) {
            rest = folder.drain();
        }
        store(rest);
        if (shipper != null) {
            shipper.close();
        }
        journal.close();
    }
}
