package dev.egret.audit;

import dev.egret.policy.NamePattern;
import dev.egret.policy.Verdict;

import java.time.Instant;

/**
 * Which events a reader wants; every null criterion matches everything.
 *
 * @param name a name or Cilium-style pattern ({@code *.github.com}) the event's name must match
 * @param from inclusive lower bound of the event's time
 * @param to   exclusive upper bound of the event's time
 */
public record AuditFilter(String workload, String node, String policy, Verdict verdict, AuditEvent.Kind kind,
                          NamePattern name, Instant from, Instant to) {
    public static final AuditFilter ALL = new AuditFilter(null, null, null, null, null, null, null, null);

    public AuditFilter {
        if (from != null && to != null && !from.isBefore(to)) {
            throw new IllegalArgumentException("'from' (" + from + ") must be before 'to' (" + to + ")");
        }
    }

    public boolean matches(AuditEvent e) {
        return (workload == null || workload.equals(e.workload()))
                && (node == null || node.equals(e.node()))
                && (policy == null || policy.equals(e.policy()))
                && (verdict == null || verdict == e.verdict())
                && (kind == null || kind == e.kind())
                && (name == null || name.matches(e.name()))
                && (from == null || !e.time().isBefore(from))
                && (to == null || e.time().isBefore(to));
    }
}
