package dev.egret.node.run;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StaleRunTest {
    private static final Instant CREATED = Instant.parse("2026-01-02T03:04:05Z");

    @Test
    void onlyARunWhoseEgretIsGoneAndWhoseCommandHasExitedIsLeftOver() {
        Instant before = CREATED.minusSeconds(30);
        assertTrue(new StaleRun("run-1-abc", false, null, CREATED, false).leftOver(), "killed, command done");
        assertFalse(new StaleRun("run-1-abc", false, null, CREATED, true).leftOver(), "killed, command still running");
        assertFalse(new StaleRun("run-1-abc", true, before, CREATED, false).leftOver(), "a live run whose command has not joined yet");
        assertFalse(new StaleRun("run-1-abc", true, null, CREATED, false).leftOver(), "start unknown: taken as alive");
        assertTrue(new StaleRun("run-1-abc", true, CREATED.plusSeconds(60), CREATED, false).leftOver(),
                "the pid now belongs to a process that started later");
        assertFalse(new StaleRun("run-1-abc", true, CREATED.plusSeconds(1), CREATED, false).leftOver(),
                "within the precision of process start times");
    }

    @Test
    void theOwnerIsNamedInTheDirectory() {
        assertEquals(OptionalLong.of(12345), StaleRun.ownerPid("run-12345-0f3a9c"));
        assertEquals(OptionalLong.empty(), StaleRun.ownerPid("node"));
        assertEquals(OptionalLong.empty(), StaleRun.ownerPid("run-x-0f3a9c"));
        assertEquals(OptionalLong.empty(), StaleRun.ownerPid("run-12345"));
    }
}
