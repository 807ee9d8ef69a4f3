package dev.egret.node.agent;

import dev.egret.node.datapath.CompiledPolicy;
import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.datapath.WorkloadEntry;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Applies the difference between the desired state and what the kernel holds, so that each workload switches from
 * its old policy to its new one at once: every policy (a logical slot {@code s} of {@link DesiredState}) has two
 * physical slots in the kernel, {@code 2s} and {@code 2s+1}. A changed policy is written whole into the one its
 * workloads do not use, then each workload's entry is pointed at it (one atomic map update per cgroup), then the old
 * one is cleared (a slot no workload uses yet is written in place, by difference). No workload ever sees half of a
 * change, and if the kernel refuses the new rules (a full map) the
 * old ones stay in force untouched. A policy the kernel already holds (an adopted datapath) is not written again.
 * Addresses a cgroup learned are deleted before it is unbound or bound to another policy, so they never outlive the
 * policy that taught them.
 */
public final class Reconciler {
    private final EgretDatapath datapath;
    /** Physical slot to what it holds, for the slots this reconciler wrote or verified. */
    private final Map<Integer, CompiledPolicy> applied = new HashMap<>();
    private boolean first = true;

    public Reconciler(EgretDatapath datapath) {
        this.datapath = datapath;
    }

    /** The logical slot (the policy) of a physical slot in the kernel, e.g. of an event. */
    public static int logical(int physical) {
        return physical >>> 1;
    }

    /** Returns how many kernel changes were made (policies written plus bindings changed). */
    public synchronized int apply(DesiredState desired) {
        int changes = 0;
        Map<Long, WorkloadEntry> current = datapath.workloads();
        Set<Long> leaving = new HashSet<>();
        current.forEach((cgid, entry) -> {
            WorkloadEntry next = desired.bindings().get(cgid);
            if (next == null || next.slot() != logical(entry.slot())) {
                leaving.add(cgid);
            }
        });
        if (!leaving.isEmpty()) {
            datapath.forgetLearned(leaving);
        }
        Set<Integer> live = new HashSet<>(applied.keySet());
        current.values().forEach(e -> live.add(e.slot()));
        if (first) {
            live.addAll(datapath.ruleSlots());
        }
        Map<Integer, Integer> target = new HashMap<>(); // logical -> physical the workloads should use
        Set<Integer> retired = new HashSet<>();
        for (Map.Entry<Integer, CompiledPolicy> e : desired.policies().entrySet()) {
            int s = e.getKey();
            int inUse = live.contains(2 * s + 1) && !live.contains(2 * s) ? 2 * s + 1 : 2 * s;
            CompiledPolicy wanted = e.getValue().forSlot(inUse);
            if (wanted.equals(applied.get(inUse)) || (!applied.containsKey(inUse) && datapath.holds(wanted))) {
                applied.put(inUse, wanted);
                target.put(s, inUse);
                continue;
            }
            if (current.values().stream().noneMatch(w -> w.slot() == inUse)) {
                // no workload uses the slot yet: write it in place, by difference
                try {
                    datapath.applyPolicy(wanted);
                } catch (RuntimeException ex) {
                    datapath.removeSlot(inUse);
                    applied.remove(inUse);
                    throw ex;
                }
                applied.put(inUse, wanted);
                target.put(s, inUse);
                changes++;
                continue;
            }
            int spare = inUse ^ 1;
            CompiledPolicy next = e.getValue().forSlot(spare);
            datapath.removeSlot(spare);
            try {
                datapath.applyPolicy(next);
            } catch (RuntimeException ex) {
                datapath.removeSlot(spare); // nothing half-applied: the old rules stay in force
                applied.remove(spare);
                throw ex;
            }
            applied.put(spare, next);
            target.put(s, spare);
            retired.add(inUse);
            changes++;
        }
        for (Map.Entry<Long, WorkloadEntry> b : desired.bindings().entrySet()) {
            WorkloadEntry d = b.getValue();
            WorkloadEntry physical = new WorkloadEntry(target.get(d.slot()), d.audit(), d.allowRaw(), d.reportAllowed());
            if (!physical.equals(current.get(b.getKey()))) {
                datapath.bindWorkload(b.getKey(), physical);
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
        stale.removeAll(target.values());
        stale.addAll(retired);
        stale.removeAll(target.values());
        for (Integer slot : stale) {
            datapath.removeSlot(slot);
            applied.remove(slot);
            changes++;
        }
        return changes;
    }

    /** Forgets what was applied, so the next apply checks every slot against the kernel again. */
    public synchronized void resync() {
        applied.clear();
        first = true;
    }
}
