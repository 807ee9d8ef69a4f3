package dev.egret.node.dns;

import dev.egret.policy.EgressPolicy;

import java.util.Optional;

/** Which policy polices a cgroup: the proxy's view of the agent's state. */
public interface WorkloadPolicies {
    /** @param workload the workload's name in events and metrics (a cgroup path, or namespace/pod) */
    record Bound(String workload, EgressPolicy policy) {
    }

    /** The policy of a bound cgroup (a key of the workload map), if it is bound. */
    Optional<Bound> forCgroup(long cgroupId);
}
