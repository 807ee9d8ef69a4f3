package dev.egret.node.audit;

import dev.egret.audit.AuditEvent;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node's audit path: {@link #offer} folds allowed repeats and hands what is ready (denied events at once,
 * folded ones when their window closes) to the message channel; the channel's consumer calls {@link #store}, which
 * appends to the journal and wakes the shipper; the journal is forced to disk once a second. Folding comes before
 * the channel, so the busy allowed path (a DNS answer, an allowed connect) costs a map update, not a message; what
 * is ready at once travels as one batch (one hop to the journal's thread per batch, not per event).
 * Thread-safe: events arrive from the kernel reader and the DNS proxy.
 */
public final class AuditPipeline implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AuditPipeline.class);

    private final AuditJournal journal;
    private final EventFolder folder;
    private final AuditShipper shipper;
    private final Clock clock;
    private final ScheduledExecutorService ticker;
    private final Consumer<AuditBatch> channel;

    /**
     * @param shipper null when events are only journaled (no controller, no Kafka configured)
     * @param channel where ready events go, a batch at a time; its consumer calls {@link #store}
     */
    public AuditPipeline(AuditJournal journal, EventFolder folder, AuditShipper shipper, Clock clock,
                         Consumer<AuditBatch> channel) {
        this.channel = channel;
        this.journal = journal;
        this.folder = folder;
        this.shipper = shipper;
        this.clock = clock;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("egret-audit-tick").daemon().unstarted(r));
        ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    /** Folds an event; what is ready goes to the channel. */
    public void offer(AuditEvent e) {
        List<AuditEvent> ready;
        synchronized (folder) {
            ready = folder.offer(e, clock.instant());
        }
        send(ready);
    }

    /** Journals a batch that came through the channel. */
    public void store(AuditBatch b) {
        store(b.events());
    }

    private void send(List<AuditEvent> ready) {
        if (!ready.isEmpty()) {
            channel.accept(new AuditBatch(ready));
        }
    }

    private void tick() {
        try {
            List<AuditEvent> due;
            synchronized (folder) {
                due = folder.due(clock.instant());
            }
            send(due);
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
