package dev.egret.node.cgroup;

/**
 * What a workload uses, read back from the cgroup files; -1 where unknown.
 *
 * @param memoryLimitBytes -1 when unlimited
 */
public record CgroupUsage(long memoryBytes, long memoryLimitBytes, double cpuSeconds, long pids) {
}
