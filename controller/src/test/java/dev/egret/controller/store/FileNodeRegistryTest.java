package dev.egret.controller.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileNodeRegistryTest {
    static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(T0);

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    @Test
    void registrationsSurviveReopeningAndHeartbeatsAreFlushed(@TempDir Path dir) {
        TestClock clock = new TestClock();
        FileNodeRegistry r = new FileNodeRegistry(dir, clock, Duration.ofSeconds(10));
        r.register("node-a", "0.1.0", "17", true, "node-1");
        clock.now.set(T0.plusSeconds(2));
        r.register("node-a", "0.1.0", "17", true, "node-1"); // heartbeat only: not written yet
        assertEquals(T0, new FileNodeRegistry(dir, clock, Duration.ofSeconds(10)).get("node-a").orElseThrow().lastSeen());
        r.flush();
        assertEquals(T0.plusSeconds(2),
                new FileNodeRegistry(dir, clock, Duration.ofSeconds(10)).get("node-a").orElseThrow().lastSeen());
        r.register("node-a", "0.1.0", "18", false, "node-1"); // a changed report: written at once
        NodeRegistration back = new FileNodeRegistry(dir, clock, Duration.ofSeconds(10)).get("node-a").orElseThrow();
        assertEquals("18", back.appliedResourceVersion());
        assertFalse(back.ready());
        assertTrue(r.remove("node-a"));
        assertFalse(r.remove("node-a"));
        assertTrue(new FileNodeRegistry(dir, clock, Duration.ofSeconds(10)).list().isEmpty());
    }

    @Test
    void stateFollowsReadinessAndLastSeen() {
        NodeRegistration ready = new NodeRegistration("n", "v", null, true, T0, "s");
        NodeRegistration notReady = new NodeRegistration("n", "v", null, false, T0, "s");
        Duration stale = Duration.ofSeconds(30);
        assertEquals(NodeRegistration.State.READY, ready.state(T0.plusSeconds(30), stale));
        assertEquals(NodeRegistration.State.NOT_READY, notReady.state(T0.plusSeconds(5), stale));
        assertEquals(NodeRegistration.State.STALE, ready.state(T0.plusSeconds(31), stale));
        assertEquals(NodeRegistration.State.STALE, notReady.state(T0.plusSeconds(31), stale));
        assertEquals("not-ready", NodeRegistration.State.NOT_READY.wireName());
    }
}
