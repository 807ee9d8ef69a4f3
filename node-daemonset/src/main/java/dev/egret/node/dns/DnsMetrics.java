package dev.egret.node.dns;

import dev.egret.policy.Verdict;

/** What the proxy measures; the node binds it to Micrometer, {@code egret run} to nothing. */
public interface DnsMetrics {
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
