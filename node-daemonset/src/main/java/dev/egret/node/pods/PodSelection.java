package dev.egret.node.pods;

import dev.egret.policy.EgressPolicy;
import dev.egret.policy.LabelSelector;
import dev.egret.policy.Workloads;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which pods each policy selects. A policy selects pods when it has a {@code podSelector} or a
 * {@code namespaceSelector}: a pod is selected when both that are present match (the pod's labels, its namespace's
 * labels). Policies are cluster-wide, so a {@code podSelector} alone selects in every namespace. Pure.
 */
public final class PodSelection {
    private PodSelection() {
    }

    /** Policy name to the pods it selects. */
    public static Map<String, List<PodInfo>> select(Map<String, EgressPolicy> policies, Collection<PodInfo> pods,
                                                    Map<String, Map<String, String>> namespaceLabels) {
        Map<String, List<PodInfo>> out = new TreeMap<>();
        for (EgressPolicy p : policies.values()) {
            Workloads w = p.spec().workloads();
            if (w.podSelector() == null && w.namespaceSelector() == null) {
                continue;
            }
            out.put(p.name(), pods.stream().filter(pod -> selects(w, pod, namespaceLabels)).toList());
        }
        return out;
    }

    private static boolean selects(Workloads w, PodInfo pod, Map<String, Map<String, String>> namespaceLabels) {
        LabelSelector ps = w.podSelector();
        LabelSelector ns = w.namespaceSelector();
        return (ps == null || ps.matches(pod.labels()))
                && (ns == null || ns.matches(namespaceLabels.getOrDefault(pod.namespace(), Map.of())));
    }
}
