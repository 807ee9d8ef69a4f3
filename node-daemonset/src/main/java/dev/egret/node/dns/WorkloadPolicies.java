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

    /**
     * True when the policy that {@code decided} a query of {@code cgroupId} still polices it, so the addresses of the
     * answer may be learned for it. The proxy asks under the learned map's lock, just before it writes: a query in flight
     * while its workload moves to another policy (or is unbound) must not leave behind an address the old policy
     * allowed. The same policy edited still polices (its learned addresses live out their TTL, as before the edit).
     * An agent whose policies change also answers false while a workload's move is being applied.
     */
    default boolean stillPolices(long cgroupId, Bound decided) {
        Optional<Bound> now = forCgroup(cgroupId);
        return now.isPresent() && (now.get().policy() == decided.policy()
                || now.get().policy().name().equals(decided.policy().name()));
    }
}
