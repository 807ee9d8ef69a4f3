package dev.egret.node.agent;

import dev.egret.node.datapath.CompiledPolicy;
import dev.egret.node.datapath.PolicyCompiler;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyDecider;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The reconcile loop's policy compiler: reuses the last compiled form while a policy (same object or an equal one)
 * keeps its slot, so an unchanged 10k-entry allow list is not compiled again every pass. Also holds each policy's
 * {@link PolicyDecider}, which explains the kernel's events.
 */
final class CompiledPolicies {
    private record Entry(EgressPolicy policy, int slot, CompiledPolicy compiled, PolicyDecider decider) {
    }

    private final Map<String, Entry> byName = new HashMap<>();

    synchronized CompiledPolicy compile(EgressPolicy policy, int slot) {
        Entry e = byName.get(policy.name());
        if (e != null && e.slot() == slot && (e.policy() == policy || e.policy().equals(policy))) {
            return e.compiled();
        }
        CompiledPolicy c = PolicyCompiler.compile(policy, slot);
        PolicyDecider d = e != null && e.policy().equals(policy) ? e.decider() : PolicyDecider.of(policy);
        byName.put(policy.name(), new Entry(policy, slot, c, d));
        return c;
    }

    /** The decider of the policy last compiled under this name, or null. */
    synchronized PolicyDecider decider(String name) {
        Entry e = byName.get(name);
        return e == null ? null : e.decider();
    }

    /** Forgets policies that are gone. */
    synchronized void retain(Set<String> names) {
        byName.keySet().retainAll(names);
    }
}
