package dev.egret.k8s;

import java.util.Map;
import java.util.Set;

/**
 * The metrics Egret's apps export, with the values of their bounded labels: what the rules and the dashboard may
 * refer to. Mirrors NodeMetrics and the controller's metrics; keep them in step.
 */
public final class EgretMetrics {
    private EgretMetrics() {
    }

    /** Node agent. */
    public static final Set<String> NODE = Set.of(
            "egret_connections_total", "egret_egress_bytes_total", "egret_egress_packets_total",
            "egret_cgroup_memory_bytes", "egret_cgroup_memory_limit_bytes", "egret_cgroup_cpu_seconds_total",
            "egret_cgroup_pids", "egret_bpf_map_entries", "egret_bpf_map_capacity", "egret_events_lost_total",
            "egret_reconcile_failures_total", "egret_dns_queries_total", "egret_dns_errors_total",
            "egret_fqdn_learned_ips", "egret_controller_reachable", "egret_audit_journal_events",
            "egret_audit_journal_dropped_total",
            // exported by the node beyond the cluster-rollout issue's list
            "egret_policy_applied_resource_version", "egret_audit_journal_bytes", "egret_audit_delivered_total",
            "egret_audit_receiver_reachable", "egret_audit_channel_lost_total", "egret_fqdn_learned_expired_total");

    /** Node agent histograms (Micrometer timers): _bucket, _sum, _count and _max series. */
    public static final Set<String> NODE_HISTOGRAMS = Set.of(
            "egret_dns_upstream_duration_seconds", "egret_dns_datapath_wait_seconds", "egret_policy_sync_lag_seconds");

    /** Controller. */
    public static final Set<String> CONTROLLER = Set.of(
            "egret_policies", "egret_audit_events_total", "egret_nodes", "egret_circular_dependencies",
            // exported by the controller beyond the cluster-rollout issue's list (ControllerMetrics)
            "egret_policy_watchers", "egret_audit_duplicate_events_total", "egret_audit_rejected_events_total",
            "egret_audit_stored_events", "egret_audit_pruned_events_total", "egret_audit_append_seconds_count",
            "egret_audit_append_seconds_sum", "egret_audit_append_seconds_max");

    /** Prometheus' own scrape health series. */
    static final Set<String> PROMETHEUS = Set.of("up");

    /** Labels whose values are a closed set. */
    static final Map<String, Set<String>> LABEL_VALUES = Map.of(
            "verdict", Set.of("allow", "deny", "audit-deny"),
            "reason", Set.of("malformed", "unattributed", "upstream_timeout", "upstream_error", "datapath_timeout",
                    "datapath_full", "malformed_upstream", "not_implemented", "upstream_mismatch", "policy_changed",
                    "tcp_busy", "workload_busy"),
            "state", Set.of("ready", "not-ready", "stale"));

    static boolean exported(String name) {
        if (NODE.contains(name) || CONTROLLER.contains(name) || PROMETHEUS.contains(name)) {
            return true;
        }
        for (String h : NODE_HISTOGRAMS) {
            for (String suffix : new String[]{"_bucket", "_sum", "_count", "_max"}) {
                if (name.equals(h + suffix)) {
                    return true;
                }
            }
        }
        return false;
    }
}
