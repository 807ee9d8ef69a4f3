package dev.egret.node.agent;

import dev.egret.node.datapath.CompiledPolicy;
import dev.egret.node.datapath.PolicyCompiler;
import dev.egret.policy.EgressPolicy;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The reconcile loop's policy compiler: reuses the last compiled form while a policy (same object or an equal one)
 * keeps its slot, so an unchanged 10k-entry allow list is not compiled again every pass.
 */
final class CompiledPolicies {
    private record Entry(EgressPolicy policy, int slot, CompiledPolicy compiled) {
    }

    private final Map<String, Entry> byName = new HashMap<>();

    synchronized CompiledPolicy compile(EgressPolicy policy, int slot) {
        Entry e = byName.get(policy.name());
        if (e != null && e.slot() == slot && (e.policy() == policy || e.policy().equals(policy))) {
            return e.compiled();
        }
        CompiledPolicy c = PolicyCompiler.compile(policy, slot);
        byName.put(policy.name(), new Entry(policy, slot, c));
        return c;
    }

    /** Forgets policies that are gone. */
    synchronized void retain(Set<String> names) {
        byName.keySet().retainAll(names);
    }
}
