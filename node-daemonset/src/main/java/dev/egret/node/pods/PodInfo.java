package dev.egret.node.pods;

import java.util.Map;

/** What the agent needs of a pod on its node. */
public record PodInfo(String namespace, String name, String uid, Map<String, String> labels) {
    public PodInfo {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** The workload name in events and metrics: {@code namespace/pod}. */
    public String workload() {
        return namespace + "/" + name;
    }
}
