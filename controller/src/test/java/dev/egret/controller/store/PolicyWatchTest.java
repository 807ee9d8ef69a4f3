package dev.egret.controller.store;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyWatchTest {

    @Test
    void answersAtOnceWhenBehindElseAtTheNextWriteElseAtTheTimeout() throws Exception {
        PolicyWatch w = new PolicyWatch();
        AtomicLong version = new AtomicLong(5);
        assertTrue(w.after(4, Duration.ofMinutes(1), version::get).isDone(), "the store is past 4");
        assertEquals(0, w.waiting());

        CompletableFuture<Void> waiting = w.after(5, Duration.ofMinutes(1), version::get);
        assertFalse(waiting.isDone());
        assertEquals(1, w.waiting());
        version.set(6);
        w.changed();
        waiting.get(1, TimeUnit.SECONDS);
        assertEquals(0, w.waiting(), "a woken waiter is forgotten");

        long start = System.nanoTime();
        w.after(6, Duration.ofMillis(200), version::get).get(5, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 150 && ms < 3000, "timed out after about 200 ms: " + ms);
        assertEquals(0, w.waiting());
    }
}
