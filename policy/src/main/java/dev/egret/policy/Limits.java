package dev.egret.policy;

/** cgroup resource limits as written ({@code memory: 512Mi}, {@code cpu: 500m}, {@code pids: 64}); each may be null. */
public record Limits(String memory, String cpu, Long pids) {

    /** Memory limit in bytes, or -1 when unset. */
    public long memoryBytes() {
        return memory == null ? -1 : Quantity.parseBytes(memory);
    }

    /** CPU limit in millicores, or -1 when unset. */
    public long cpuMillis() {
        return cpu == null ? -1 : Quantity.parseMillicores(cpu);
    }

    /** Task limit, or -1 when unset. */
    public long pidsLimit() {
        return pids == null ? -1 : pids;
    }
}
