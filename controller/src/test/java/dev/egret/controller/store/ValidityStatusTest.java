package dev.egret.controller.store;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValidityStatusTest {
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00.123Z");

    @Test
    void anInvalidResourceGetsAFalseConditionWithTheErrorOnce() {
        assertTrue(ValidityStatus.needsWrite(null, "bad cidr"));
        Map<String, Object> s = ValidityStatus.status("bad cidr", 3L, NOW);
        Map<?, ?> c = ValidityStatus.condition(s);
        assertEquals("False", c.get("status"));
        assertEquals("InvalidPolicy", c.get("reason"));
        assertEquals("bad cidr", c.get("message"));
        assertEquals("2026-11-25T12:00:00Z", c.get("lastTransitionTime"));
        assertEquals(3L, s.get("observedGeneration"));
        assertFalse(ValidityStatus.needsWrite(s, "bad cidr"), "the same error is not written again");
        assertTrue(ValidityStatus.needsWrite(s, "another error"));
    }

    @Test
    void aValidResourceIsWrittenOnlyToClearAnEarlierError() {
        assertFalse(ValidityStatus.needsWrite(null, null), "never invalid: no status write");
        assertFalse(ValidityStatus.needsWrite(Map.of("appliedNodes", 2), null));
        Map<String, Object> fixed = ValidityStatus.status(null, null, NOW);
        assertTrue(ValidityStatus.needsWrite(ValidityStatus.status("bad", null, NOW), null));
        assertEquals("True", ValidityStatus.condition(fixed).get("status"));
        assertFalse(fixed.containsKey("observedGeneration"));
        assertFalse(ValidityStatus.needsWrite(fixed, null));
    }

    @Test
    void aHugeErrorIsCutToWhatAConditionMayHold() {
        String huge = "x".repeat(40_000);
        Map<?, ?> c = ValidityStatus.condition(ValidityStatus.status(huge, null, NOW));
        assertEquals(32_000, String.valueOf(c.get("message")).length());
        assertFalse(ValidityStatus.needsWrite(ValidityStatus.status(huge, null, NOW), huge));
    }
}
