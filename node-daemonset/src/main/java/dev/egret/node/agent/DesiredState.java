package dev.egret.node.agent;

import dev.egret.node.datapath.CompiledPolicy;
import dev.egret.node.datapath.PolicyCompiler;
import dev.egret.node.datapath.WorkloadEntry;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicySpec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * What the kernel should hold, computed from the policies and the cgroups that exist. Pure.
 *
 * @param policies  compiled rules per slot
 * @param bindings  which cgroup id is policed by which slot
 * @param workloads cgroup id to workload name (its path relative to the cgroup2 root), for events and metrics
 * @param problems  policies that could not be compiled or cgroups selected twice, with the reason
 * @param effective the policies as they apply, by name: a policy that cannot be compiled applies as
 *                  {@link #allowingNothing} (its workloads stay bound, fail-closed, never unpoliced)
 */
public record DesiredState(Map<Integer, CompiledPolicy> policies, Map<Long, WorkloadEntry> bindings,
                           Map<Long, String> workloads, Map<Integer, String> slotNames, List<String> problems,
                           Map<String, EgressPolicy> effective) {

    /** The name of the policy that polices a cgroup in this state, or null when it is not bound. */
    public String policyOf(long cgroupId) {
        WorkloadEntry e = bindings.get(cgroupId);
        return e == null ? null : slotNames.get(e.slot());
    }

    /**
     * Those of {@code ids} that the kernel's {@code bindings} (cgroup id to its entry, whose slot is physical) bind to
     * the same policy as this state: after a change failed halfway, the ones it had not moved yet.
     */
    public Set<Long> boundAsIn(Map<Long, WorkloadEntry> bindings, Set<Long> ids) {
        Set<Long> out = new HashSet<>();
        for (long id : ids) {
            WorkloadEntry mine = this.bindings.get(id);
            WorkloadEntry kernel = bindings.get(id);
            if (mine != null && kernel != null && Reconciler.logical(kernel.slot()) == mine.slot()) {
                out.add(id);
            }
        }
        return out;
    }

    /**
     * The cgroups bound in {@code before} that this state binds to another policy or not at all: what they learned
     * under their old policy must go, and nothing their old policy decided may be learned any more.
     */
    public Set<Long> movedSince(DesiredState before) {
        Set<Long> out = new HashSet<>();
        if (before != null) {
            before.bindings.keySet().forEach(id -> {
                if (!Objects.equals(before.policyOf(id), policyOf(id))) {
                    out.add(id);
                }
            });
        }
        return out;
    }

    public static DesiredState compute(Map<String, EgressPolicy> policies, Map<String, Integer> slots,
                                       Map<String, Map<String, Long>> cgroupsByPolicy) {
        return compute(policies, slots, cgroupsByPolicy, PolicyCompiler::compile);
    }

    /** With a given compiler: the agent's reuses the compiled form of policies that did not change. */
    public static DesiredState compute(Map<String, EgressPolicy> policies, Map<String, Integer> slots,
                                       Map<String, Map<String, Long>> cgroupsByPolicy,
                                       BiFunction<EgressPolicy, Integer, CompiledPolicy> compiler) {
        Map<Integer, CompiledPolicy> compiled = new TreeMap<>();
        Map<Long, WorkloadEntry> bindings = new LinkedHashMap<>();
        Map<Long, String> names = new LinkedHashMap<>();
        Map<Integer, String> slotNames = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        Map<String, EgressPolicy> effective = new LinkedHashMap<>();
        for (EgressPolicy p : policies.values()) {
            int slot = slots.get(p.name());
            CompiledPolicy c;
            EgressPolicy applied = p;
            try {
                c = compiler.apply(p, slot);
            } catch (IllegalArgumentException e) {
                applied = allowingNothing(p);
                c = compiler.apply(applied, slot);
                problems.add("policy " + p.name() + " cannot be compiled (" + e.getMessage() + "): its workloads "
                        + (p.spec().mode() == dev.egret.policy.Mode.AUDIT ? "have every connection audited as denied"
                        : "may reach nothing") + " until it is fixed");
            }
            compiled.put(slot, c);
            slotNames.put(slot, p.name());
            effective.put(p.name(), applied);
            for (Map.Entry<String, Long> cg : cgroupsByPolicy.getOrDefault(p.name(), Map.of()).entrySet()) {
                if (bindings.containsKey(cg.getValue())) {
                    problems.add("cgroup " + cg.getKey() + " is selected by more than one policy; "
                            + slotNames.get(bindings.get(cg.getValue()).slot()) + " applies");
                    continue;
                }
                bindings.put(cg.getValue(), WorkloadEntry.of(c, true));
                names.put(cg.getValue(), cg.getKey());
            }
        }
        return new DesiredState(compiled, bindings, names, slotNames, problems, effective);
    }

    /**
     * The logical slots (policies) of the physical slots the kernel binds some cgroup to
     * ({@code EgretDatapath.usedSlots}). A new policy must not be given one of them: while
     * the pod list is incomplete a binding is {@link #keeping kept} by its slot, and a deleted policy's slot handed
     * to a new policy would move the deleted policy's pods to it.
     */
    public static Set<Integer> boundSlots(Set<Integer> physical) {
        Set<Integer> out = new java.util.TreeSet<>();
        physical.forEach(slot -> out.add(Reconciler.logical(slot)));
        return out;
    }

    /**
     * This state, also keeping the kernel's bindings it would drop while its picture of the workloads is incomplete
     * (after a start, before the pod list is synced): a cgroup the kernel binds to a policy that still exists stays
     * bound to it, so a restart never unbinds a pod the API server has not listed yet. Bindings to slots no policy
     * has any more still go.
     *
     * @param kernel cgroup id to its kernel entry (physical slot)
     * @param names  names known for those cgroups (the previous state's), else they are named by id
     */
    public DesiredState keeping(Map<Long, WorkloadEntry> kernel, Map<Long, String> names) {
        Map<Long, WorkloadEntry> b = new LinkedHashMap<>(bindings);
        Map<Long, String> w = new LinkedHashMap<>(workloads);
        kernel.forEach((id, e) -> {
            CompiledPolicy c = policies.get(Reconciler.logical(e.slot()));
            if (c != null && !b.containsKey(id)) {
                b.put(id, WorkloadEntry.of(c, true));
                w.put(id, names.getOrDefault(id, "cgroup-" + id));
            }
        });
        return new DesiredState(policies, b, w, slotNames, problems, effective);
    }

    /**
     * The policy as it applies when its rules cannot be compiled: same name, mode, workloads, limits and protected
     * services, no allow or deny rule. Enforced it denies everything; in audit mode it reports everything as denied.
     */
    static EgressPolicy allowingNothing(EgressPolicy p) {
        PolicySpec s = p.spec();
        return new EgressPolicy(p.apiVersion(), p.kind(), p.metadata(), new PolicySpec(s.mode(), s.workloads(), List.of(),
                List.of(), s.protects(), false, s.limits(), s.dns()));
    }
}
