package dev.egret.policy;

import java.util.List;

/** What a policy applies to: cgroup path globs (relative to the cgroup2 root) and Kubernetes label selectors. */
public record Workloads(List<String> cgroupPaths, LabelSelector podSelector, LabelSelector namespaceSelector) {
    public static final Workloads NONE = new Workloads(List.of(), null, null);

    public Workloads {
        cgroupPaths = cgroupPaths == null ? List.of() : List.copyOf(cgroupPaths);
    }
}
