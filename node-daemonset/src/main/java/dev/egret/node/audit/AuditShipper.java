package dev.egret.node.audit;

import dev.egret.audit.AuditEvent;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Delivers the journal through a transport, oldest first, in batches; marks a batch delivered only once the
 * transport has it, and backs off (up to {@code maxBackoff}) while the receiver is down. Runs on its own thread.
 */
public final class AuditShipper implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AuditShipper.class);

    /** What the shipper reports: batches delivered, and whether the receiver answers. */
    public interface Listener {
        void delivered(int events);

        void reachable(boolean up);
    }

    private final AuditJournal journal;
    private final AuditTransport transport;
    private final int batchSize;
    private final Duration maxBackoff;
    private final Listener listener;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition more = lock.newCondition();
    private volatile boolean running = true;
    private final Thread thread;

    public AuditShipper(AuditJournal journal, AuditTransport transport, int batchSize, Duration maxBackoff, Listener listener) {
        this.journal = journal;
        this.transport = transport;
        this.batchSize = batchSize;
        this.maxBackoff = maxBackoff;
        this.listener = listener;
        this.thread = Thread.ofPlatform().name("egret-audit-shipper").daemon().start(this::loop);
    }

    /** Wakes the shipper: the journal has new events. */
    public void nudge() {
        lock.lock();
        try {
            more.signal();
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        long backoffMs = 200;
        boolean wasUp = true;
        while (running) {
            List<AuditEvent> batch;
            try {
                batch = journal.undelivered(batchSize);
            } catch (RuntimeException e) {
                LOG.error("cannot read the audit journal", e);
                sleep(1000);
                continue;
            }
            if (batch.isEmpty()) {
                await(1000);
                continue;
            }
            try {
                transport.deliver(batch);
                journal.delivered(batch.get(batch.size() - 1).id());
                listener.delivered(batch.size());
                if (!wasUp) {
                    LOG.info("audit delivery resumed");
                }
                wasUp = true;
                listener.reachable(true);
                backoffMs = 200;
            } catch (Exception e) {
                if (wasUp) {
                    LOG.warnf("audit delivery failed, events stay in the journal (%d pending): %s", journal.pending(),
                            e.getMessage());
                }
                wasUp = false;
                listener.reachable(false);
                sleep(backoffMs); // not woken by new events: a down receiver is retried at the backoff's pace
                backoffMs = Math.min(backoffMs * 2, maxBackoff.toMillis());
            }
        }
    }

    private void await(long ms) {
        lock.lock();
        try {
            more.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transport.close();
    }
}
