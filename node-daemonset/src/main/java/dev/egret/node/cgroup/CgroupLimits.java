package dev.egret.node.cgroup;

import dev.egret.policy.Limits;

/**
 * Resource limits for a workload cgroup; -1 means unset.
 *
 * @param memoryBytes memory limit in bytes
 * @param cpuMillis   CPU limit in millicores (1000 = one CPU)
 * @param pids        task limit
 */
public record CgroupLimits(long memoryBytes, long cpuMillis, long pids) {
    public static final CgroupLimits NONE = new CgroupLimits(-1, -1, -1);
    public static final long CPU_PERIOD_US = 100_000;

    public CgroupLimits {
        if (memoryBytes < -1 || memoryBytes == 0) {
            throw new IllegalArgumentException("memory limit must be positive or -1: " + memoryBytes);
        }
        if (cpuMillis < -1 || cpuMillis == 0) {
            throw new IllegalArgumentException("cpu limit must be positive or -1: " + cpuMillis);
        }
        if (pids < -1 || pids == 0) {
            throw new IllegalArgumentException("pids limit must be positive or -1: " + pids);
        }
    }

    public static CgroupLimits of(Limits l) {
        return l == null ? NONE : new CgroupLimits(l.memoryBytes(), l.cpuMillis(), l.pidsLimit());
    }

    /** {@code cpu.max} content: quota and period in microseconds. */
    public String cpuMax() {
        return cpuQuotaMicros() + " " + CPU_PERIOD_US;
    }

    public long cpuQuotaMicros() {
        return cpuMillis * CPU_PERIOD_US / 1000;
    }

    public boolean any() {
        return memoryBytes > 0 || cpuMillis > 0 || pids > 0;
    }
}
