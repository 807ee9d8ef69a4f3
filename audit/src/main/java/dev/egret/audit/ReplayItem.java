package dev.egret.audit;

import dev.egret.policy.Verdict;

import java.time.Instant;

/**
 * Recorded calls of one workload to one destination, with what a proposed policy would have decided.
 *
 * @param recorded the verdict the node recorded at the time
 * @param verdict  what the proposal decides
 */
public record ReplayItem(String workload, AuditEvent.Kind kind, String destination, String name, String address,
                         int port, String protocol, long count, Instant firstSeen, Instant lastSeen,
                         Verdict recorded, Verdict verdict, String rule, String reason) {
}
