package dev.egret.node.agent;

import dev.egret.node.datapath.CompiledPolicy;
import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.datapath.WorkloadEntry;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Applies the difference between the desired state and what the kernel holds. Order keeps workloads policed at
 * every moment: rules of a slot are written before a cgroup is bound to it; a cgroup is unbound before its slot's
 * rules are removed; a changed slot is rewritten by difference (upserts before deletes). Addresses a cgroup learned
 * under its policy are deleted before it is unbound or bound to another policy, so they never outlive that policy.
 */
public final class Reconciler {
    private final EgretDatapath datapath;
    private final Map<Integer, CompiledPolicy> applied = new HashMap<>();
    private boolean first = true;

    public Reconciler(EgretDatapath datapath) {
        this.datapath = datapath;
    }

    /** Returns how many kernel changes were made (policies rewritten plus bindings changed). */
    public synchronized int apply(DesiredState desired) {
        int changes = 0;
        Map<Long, WorkloadEntry> current = datapath.workloads();
        Set<Long> leaving = new HashSet<>();
        current.forEach((cgid, entry) -> {
            WorkloadEntry next = desired.bindings().get(cgid);
            if (next == null || next.slot() != entry.slot()) {
                leaving.add(cgid);
            }
        });
        if (!leaving.isEmpty()) {
            datapath.forgetLearned(leaving);
        }
        for (Map.Entry<Integer, CompiledPolicy> e : desired.policies().entrySet()) {
            if (!Objects.equals(applied.get(e.getKey()), e.getValue())) {
                datapath.applyPolicy(e.getValue());
                applied.put(e.getKey(), e.getValue());
                changes++;
            }
        }
        for (Map.Entry<Long, WorkloadEntry> b : desired.bindings().entrySet()) {
            if (!b.getValue().equals(current.get(b.getKey()))) {
                datapath.bindWorkload(b.getKey(), b.getValue());
                changes++;
            }
        }
        for (Long cgid : current.keySet()) {
            if (!desired.bindings().containsKey(cgid)) {
                datapath.unbindWorkload(cgid);
                changes++;
            }
        }
        Set<Integer> stale = new HashSet<>(applied.keySet());
        if (first) {
            stale.addAll(datapath.ruleSlots()); // left by an earlier agent for policies that are gone
            first = false;
        }
        stale.removeAll(desired.policies().keySet());
        for (Integer slot : stale) {
            datapath.removeSlot(slot);
            applied.remove(slot);
            changes++;
        }
        return changes;
    }

    /** Forgets what was applied, so the next apply rewrites every slot by difference against the kernel. */
    public synchronized void resync() {
        applied.clear();
        first = true;
    }
}
