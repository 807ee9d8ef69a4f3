package dev.egret.controller;

/** Every metric name the controller exports (labels are bounded: verdicts, states, workloads, transports). */
public final class ControllerMetrics {
    /** Gauge: egress policies held. */
    public static final String POLICIES = "egret_policies";
    /** Counter {verdict}: audit events stored (duplicates not counted). */
    public static final String AUDIT_EVENTS = "egret_audit_events_total";
    /** Counter: audit events received again and dropped as duplicates. */
    public static final String AUDIT_DUPLICATES = "egret_audit_duplicate_events_total";
    /** Counter {transport}: audit events refused as malformed. */
    public static final String AUDIT_REJECTED = "egret_audit_rejected_events_total";
    /** Gauge: audit events held by the store. */
    public static final String AUDIT_STORED = "egret_audit_stored_events";
    /** Counter: audit events removed by retention. */
    public static final String AUDIT_PRUNED = "egret_audit_pruned_events_total";
    /** Timer: one durable append (write and fsync) of a batch. */
    public static final String AUDIT_APPEND = "egret_audit_append_seconds";
    /** Gauge {state}: registered nodes by state (ready, not-ready, stale). */
    public static final String NODES = "egret_nodes";
    /**
     * Gauge {workload}: destinations of a workload that are circular dependencies; only workloads with some, at most
     * 1000 of them, the rest summed under {@code workload="_other"}.
     */
    public static final String CIRCULAR = "egret_circular_dependencies";
    /** Gauge: clients waiting in a policy watch. */
    public static final String POLICY_WATCHERS = "egret_policy_watchers";

    private ControllerMetrics() {
    }
}
