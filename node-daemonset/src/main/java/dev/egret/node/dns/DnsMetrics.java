package dev.egret.node.dns;

import dev.egret.policy.Verdict;

import java.util.List;

/** What the proxy measures; the node binds it to Micrometer, {@code egret run} to nothing. */
public interface DnsMetrics {
    /** Every reason {@link #error} is called with. */
    List<String> ERROR_REASONS = List.of("malformed", "malformed_upstream", "not_implemented", "unattributed",
            "upstream_mismatch", "upstream_timeout", "upstream_error", "datapath_timeout", "datapath_full",
            "policy_changed", "tcp_busy", "workload_busy");

    DnsMetrics NONE = new DnsMetrics() {
    };

    /** {@code egret_dns_queries_total{workload,verdict}} */
    default void query(String workload, Verdict verdict) {
    }

    /** {@code egret_dns_errors_total{reason}} */
    default void error(String reason) {
    }

    /** {@code egret_dns_upstream_duration_seconds} */
    default void upstreamSeconds(double s) {
    }

    /** {@code egret_dns_datapath_wait_seconds} */
    default void datapathWaitSeconds(double s) {
    }
}
