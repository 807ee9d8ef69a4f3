package dev.egret.policy;

import java.util.Map;

/** Kubernetes-style object metadata. {@code resourceVersion} is set by the store, null on input. */
public record Metadata(String name, String resourceVersion, Map<String, String> labels) {
    public Metadata {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
