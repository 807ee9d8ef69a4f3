package dev.egret.node.dns;

import java.util.HashMap;
import java.util.Map;

/**
 * How many upstream queries each workload (cgroup) has in flight, bounded per workload: one workload asking for
 * names whose upstream is slow cannot take the whole table of pending queries from the others. Used on the UDP event
 * loop (locked all the same: a closing proxy fails what is pending from another thread).
 */
final class WorkloadQuota {
    private final int perWorkload;
    private final Map<Long, int[]> inFlight = new HashMap<>();

    WorkloadQuota(int perWorkload) {
        if (perWorkload < 1) {
            throw new IllegalArgumentException("a workload's quota must be at least 1, not " + perWorkload);
        }
        this.perWorkload = perWorkload;
    }

    /** Takes one place for {@code cgroupId}; false when it has its quota in flight already. */
    synchronized boolean acquire(long cgroupId) {
        int[] n = inFlight.computeIfAbsent(cgroupId, k -> new int[1]);
        if (n[0] >= perWorkload) {
            return false;
        }
        n[0]++;
        return true;
    }

    /** Gives back a place taken by {@link #acquire}. */
    synchronized void release(long cgroupId) {
        int[] n = inFlight.get(cgroupId);
        if (n != null && --n[0] <= 0) {
            inFlight.remove(cgroupId);
        }
    }

    synchronized int inFlight(long cgroupId) {
        int[] n = inFlight.get(cgroupId);
        return n == null ? 0 : n[0];
    }
}
