package dev.egret.node.agent;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventLogLimitTest {
    private static final long SECOND = 1_000_000_000L;

    private static int admitted(EventLogLimit l, int lines, long from, long spacing) {
        int n = 0;
        for (int i = 0; i < lines; i++) {
            if (l.admit(from + i * spacing)) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aFloodGetsOneSecondsWorthThenTheRateAndWhatWasLeftOutIsCounted() {
        EventLogLimit l = new EventLogLimit(100);
        int burst = admitted(l, 100_000, 0, 1_000);
        assertTrue(burst >= 109 && burst <= 110, "100k lines in 0.1 s: one second's worth and 0.1 s of the rate: " + burst);
        assertEquals(100_000 - burst, l.takeSuppressed());
        assertEquals(0, l.takeSuppressed(), "counted once");
        // the flood goes on for 10 s at 1000 lines a second: the bucket is empty, so about 100 a second
        int next = admitted(l, 10_000, SECOND / 10, SECOND / 1000);
        assertTrue(next >= 998 && next <= 1001, "the rate: " + next);
        assertEquals(10_000 - next, l.takeSuppressed());
    }

    @Test
    void aQuietWorkloadLogsEveryLine() {
        EventLogLimit l = new EventLogLimit(100);
        assertEquals(500, admitted(l, 500, 0, SECOND / 50), "50 a second for 10 s");
        assertEquals(0, l.takeSuppressed());
    }

    @Test
    void zeroMeansNoLimitAndANegativeRateIsRefused() {
        EventLogLimit l = new EventLogLimit(0);
        assertEquals(10_000, admitted(l, 10_000, 0, 1));
        assertFalse(l.takeSuppressed() > 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EventLogLimit(-1));
        assertTrue(e.getMessage().contains("per second"), e.getMessage());
    }
}
