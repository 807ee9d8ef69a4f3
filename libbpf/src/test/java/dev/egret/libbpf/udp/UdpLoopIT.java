package dev.egret.libbpf.udp;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop's own liveness, on a real loop (epoll and eventfd through FFM): idle is alive, stuck is not. */
class UdpLoopIT {
    @Test
    void anIdleLoopStaysAliveAStuckOneDoesNotAndComesBackWhenItTurnsAgain() throws Exception {
        try (UdpLoop loop = new UdpLoop("udp-loop-it", 2048, Duration.ofMillis(1500))) {
            assertTrue(loop.alive());
            Thread.sleep(2500); // idle for longer than the stall: its heartbeat keeps it turning
            assertTrue(loop.alive(), "idle is not stuck");
            CountDownLatch release = new CountDownLatch(1);
            loop.schedule(0, () -> {
                try {
                    release.await(20, TimeUnit.SECONDS); // a task that does not return
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            await(() -> !loop.alive(), "a loop stuck in a task is not alive");
            release.countDown();
            await(loop::alive, "alive again once it turns");
            loop.close();
            assertFalse(loop.alive(), "closed");
        }
    }

    @Test
    void aStallShorterThanTheHeartbeatIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new UdpLoop("udp-loop-it", 2048, Duration.ofMillis(500)));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what);
            }
            Thread.sleep(50);
        }
    }
}
