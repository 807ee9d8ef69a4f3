package dev.egret.controller.store;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Long-poll waiters on the policy store: each waits for a store version above the one it has, or its timeout. No
 * thread is held per waiter: a waiter is a future completed by the next write or by the shared delay scheduler.
 */
public final class PolicyWatch {
    private final Set<CompletableFuture<Void>> waiters = ConcurrentHashMap.newKeySet();

    /**
     * Completes when the store's version exceeds {@code known} (at once if it already does) or after {@code timeout},
     * whichever comes first; never exceptionally.
     */
    public CompletableFuture<Void> after(long known, Duration timeout, LongSupplier current) {
        CompletableFuture<Void> w = new CompletableFuture<>();
        waiters.add(w);
        w.whenComplete((v, e) -> waiters.remove(w));
        if (current.getAsLong() > known) { // checked after registering, so a write in between is not missed
            w.complete(null);
        } else {
            w.completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        return w;
    }

    /** Wakes every waiter (called after each write). */
    public void changed() {
        for (CompletableFuture<Void> w : waiters) {
            w.complete(null);
        }
    }

    public int waiting() {
        return waiters.size();
    }
}
