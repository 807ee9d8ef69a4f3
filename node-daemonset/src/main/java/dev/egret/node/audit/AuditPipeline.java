package dev.egret.node.audit;

import dev.egret.audit.AuditEvent;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The node's audit path: {@link #offer} folds allowed repeats and hands what is ready (denied events at once,
 * folded ones when their window closes) to the message channel; the channel's consumer calls {@link #store}, which
 * appends to the journal and wakes the shipper; the journal is forced to disk once a second. Folding comes before
 * the channel, so the busy allowed path (a DNS answer, an allowed connect) costs a map update, not a message; what
 * is ready at once travels as one batch (one hop to the journal's thread per batch, not per event).
 *
 * <p>At most {@code maxInFlight} events are between the folder and the journal; beyond that a batch is counted as
 * lost rather than held (memory stays bounded when the journal's thread falls behind). {@link #close} waits for what
 * is in flight, journals what is still folded and only then closes the journal; what arrives later is counted lost.
 * Thread-safe: events arrive from the kernel reader and the DNS proxy.
 */
public final class AuditPipeline implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AuditPipeline.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(3);

    private final AuditJournal journal;
    private final EventFolder folder;
    private final AuditShipper shipper;
    private final Clock clock;
    private final ScheduledExecutorService ticker;
    private final Consumer<AuditBatch> channel;
    private final IntConsumer lost;
    private final int maxInFlight;
    private final Object flight = new Object();
    private int inFlight;
    private boolean closing;
    private boolean abandoned;
    private boolean closed;

    /**
     * @param shipper     null when events are only journaled (no controller, no Kafka configured)
     * @param channel     where ready events go, a batch at a time; its consumer calls {@link #store}; it throws
     *                    when it cannot take a batch
     * @param lost        told how many events were lost (the channel refused them, or too many were in flight)
     * @param maxInFlight events that may be on their way through the channel at once
     */
    public AuditPipeline(AuditJournal journal, EventFolder folder, AuditShipper shipper, Clock clock,
                         Consumer<AuditBatch> channel, IntConsumer lost, int maxInFlight) {
        this.channel = channel;
        this.lost = lost;
        this.maxInFlight = maxInFlight;
        this.journal = journal;
        this.folder = folder;
        this.shipper = shipper;
        this.clock = clock;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("egret-audit-tick").daemon().unstarted(r));
        ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    /** Folds an event; what is ready goes to the channel. */
    public void offer(AuditEvent e) {
        synchronized (flight) {
            if (closed) { // the folder was drained for the last time: a repeat folded now would never be stored
                lost.accept((int) Math.min(Integer.MAX_VALUE, e.count()));
                return;
            }
        }
        List<AuditEvent> ready;
        synchronized (folder) {
            ready = folder.offer(e, clock.instant());
        }
        send(ready);
    }

    /** Journals a batch that came through the channel. */
    public void store(AuditBatch b) {
        synchronized (flight) {
            if (abandoned) {
                return; // counted as lost when close gave up waiting for it
            }
        }
        try {
            journalAll(b.events());
        } catch (RuntimeException e) {
            LOG.error("cannot journal audit events", e);
            lost.accept(b.events().size());
        } finally {
            synchronized (flight) {
                if (!abandoned) {
                    inFlight -= b.events().size();
                    flight.notifyAll();
                }
            }
        }
    }

    private void send(List<AuditEvent> ready) {
        if (ready.isEmpty()) {
            return;
        }
        synchronized (flight) {
            if (closing) {
                if (closed) {
                    lost.accept(ready.size());
                } else {
                    journalAll(ready); // the channel is being drained: straight to the journal
                }
                return;
            }
            if (inFlight + ready.size() > maxInFlight) {
                lost.accept(ready.size());
                return;
            }
            inFlight += ready.size();
        }
        try {
            channel.accept(new AuditBatch(ready));
        } catch (RuntimeException e) {
            synchronized (flight) {
                inFlight -= ready.size();
                flight.notifyAll();
            }
            lost.accept(ready.size());
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

    private void journalAll(List<AuditEvent> events) {
        synchronized (flight) {
            if (closed) {
                lost.accept(events.size());
                return;
            }
        }
        if (events.isEmpty()) {
            return;
        }
        journal.appendAll(events);
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
        try {
            ticker.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        synchronized (flight) {
            closing = true;
            while (inFlight > 0 && System.nanoTime() < deadline) {
                try {
                    flight.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (inFlight > 0) {
                LOG.warnf("%d audit events still in the channel at shutdown are lost", inFlight);
                lost.accept(inFlight);
                abandoned = true;
            }
        }
        List<AuditEvent> rest;
        synchronized (folder) {
            rest = folder.drain();
        }
        journalAll(rest);
        synchronized (flight) {
            closed = true;
        }
        if (shipper != null) {
            shipper.close();
        }
        journal.close();
    }
}
