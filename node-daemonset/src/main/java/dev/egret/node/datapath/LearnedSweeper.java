package dev.egret.node.datapath;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Deletes learned entries nobody can use any more ({@link LearnedSweep}), so the learned map, a plain hash, does not
 * fill up with expired addresses. The scan (a read of the whole map) runs on the sweeper's own thread; the deletes
 * run on the datapath's single writer, each read again and deleted under the learned map's lock. Runs
 * periodically, and on demand when a learn finds the map full.
 */
public final class LearnedSweeper implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LearnedSweeper.class);

    /**
     * @param deleted       entries deleted by this sweep
     * @param livePerCgroup entries in force per bound cgroup, as the scan found them
     */
    public record Result(int deleted, Map<Long, Long> livePerCgroup) {
    }

    private final EgretDatapath datapath;
    private final Executor writer;
    private final Consumer<Result> listener;
    private final ScheduledExecutorService scanner = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("egret-learned-sweep").unstarted(r));
    private CompletableFuture<Result> running;

    /**
     * @param writer   the datapath's one writer thread (the deletes run there)
     * @param listener told the result of each sweep, on the writer thread
     */
    public LearnedSweeper(EgretDatapath datapath, Executor writer, Consumer<Result> listener) {
        this.datapath = datapath;
        this.writer = writer;
        this.listener = listener;
    }

    /** Sweeps every {@code interval}, starting after one interval. */
    public LearnedSweeper start(Duration interval) {
        long ms = Math.max(1, interval.toMillis());
        scanner.scheduleWithFixedDelay(() -> sweep().exceptionally(e -> {
            LOG.warn("learned-IP sweep failed; the next one retries", e);
            return null;
        }), ms, ms, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Runs a sweep now, or joins the one under way; completes once its deletes are done. */
    public synchronized CompletableFuture<Result> sweep() {
        if (running == null || running.isDone()) {
            try {
                running = CompletableFuture.supplyAsync(this::scan, scanner).thenApplyAsync(this::delete, writer);
            } catch (RejectedExecutionException e) {
                return CompletableFuture.failedFuture(e); // closed
            }
        }
        return running;
    }

    private LearnedSweep.Scan scan() {
        Set<Long> bound = datapath.workloads().keySet();
        long now = System.nanoTime();
        return datapath.withLearned(entries -> LearnedSweep.scan(entries, now, bound));
    }

    /** On the writer thread; each candidate is read again and deleted under the learned map's lock, so what is read is what is deleted. */
    private Result delete(LearnedSweep.Scan scan) {
        int deleted = 0;
        if (!scan.candidates().isEmpty()) {
            Set<Long> bound = datapath.workloads().keySet();
            long now = System.nanoTime(); // CLOCK_MONOTONIC, as bpf_ktime_get_ns
            for (LearnedIp c : scan.candidates()) {
                // read again and deleted as one step: a learn of the same address cannot slip in between
                if (datapath.learnedExclusive(() -> LearnedSweep.confirm(datapath.learned(c.cgroupId(), c.address()),
                        now, bound) && datapath.forget(c))) {
                    deleted++;
                }
            }
        }
        Result r = new Result(deleted, scan.livePerCgroup());
        listener.accept(r);
        return r;
    }

    /** Stops sweeping (before the datapath and its writer are closed). */
    @Override
    public void close() {
        scanner.shutdownNow();
        try {
            scanner.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
