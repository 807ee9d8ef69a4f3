package dev.egret.node.dns;

import dev.egret.policy.EgressPolicy;

import java.util.Optional;

/** Which policy (and slot) polices a cgroup: the proxy's view of the agent's state. */
public interface WorkloadPolicies {
    record Bound(String workload, int slot, EgressPolicy policy) {
    }

    Optional<Bound> forCgroup(long cgroupId);
}
