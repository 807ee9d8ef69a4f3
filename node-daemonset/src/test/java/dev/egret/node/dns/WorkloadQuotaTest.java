package dev.egret.node.dns;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkloadQuotaTest {
    @Test
    void aWorkloadAtItsQuotaWaitsForOneOfItsOwnAndOthersAreNotHeldBack() {
        WorkloadQuota q = new WorkloadQuota(3);
        for (int i = 0; i < 3; i++) {
            assertTrue(q.acquire(7));
        }
        assertFalse(q.acquire(7), "at its quota");
        assertTrue(q.acquire(8), "another workload has its own");
        q.release(7);
        assertTrue(q.acquire(7), "a place given back is free again");
        assertEquals(3, q.inFlight(7));
        for (int i = 0; i < 3; i++) {
            q.release(7);
        }
        assertEquals(0, q.inFlight(7));
        q.release(7); // more releases than acquires change nothing
        assertEquals(0, q.inFlight(7));
        assertTrue(q.acquire(7));
    }
}
