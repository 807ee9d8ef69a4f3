package dev.egret.audit;

import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import dev.egret.policy.Verdict;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** Compact builders of audit events and policies for the tests. */
final class Events {
    static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final AtomicLong SEQ = new AtomicLong();

    private Events() {
    }

    static AuditEvent connect(String workload, String policy, String name, String address, int port, String protocol,
                              Verdict verdict, int second) {
        return new AuditEvent("n-" + SEQ.incrementAndGet(), T0.plusSeconds(second), null, 1, "node-a", workload, policy,
                7, 100, "curl", AuditEvent.Kind.CONNECT, name, null, address, port, protocol, verdict,
                verdict == Verdict.ALLOW ? "spec.egress[0].toFQDNs[0]" : "default-deny", "test");
    }

    static AuditEvent dns(String workload, String policy, String name, Verdict verdict, int second) {
        return new AuditEvent("n-" + SEQ.incrementAndGet(), T0.plusSeconds(second), null, 1, "node-b", workload, policy,
                7, 100, "curl", AuditEvent.Kind.DNS, name, "A", null, 0, "udp", verdict,
                verdict == Verdict.ALLOW ? "spec.egress[0].toFQDNs[0]" : "default-deny", "test");
    }

    static AuditEvent withRule(AuditEvent e, String rule) {
        return new AuditEvent(e.id(), e.time(), e.firstSeen(), e.count(), e.node(), e.workload(), e.policy(),
                e.cgroupId(), e.pid(), e.command(), e.kind(), e.name(), e.queryType(), e.address(), e.port(),
                e.protocol(), e.verdict(), rule, e.reason());
    }

    static AuditEvent folded(AuditEvent e, long count, Instant first) {
        return new AuditEvent(e.id(), e.time(), first, count, e.node(), e.workload(), e.policy(), e.cgroupId(),
                e.pid(), e.command(), e.kind(), e.name(), e.queryType(), e.address(), e.port(), e.protocol(),
                e.verdict(), e.rule(), e.reason());
    }

    static EgressPolicy policy(String yaml) {
        return PolicyCodec.parseYaml(yaml);
    }

    /** A policy named {@code deploy} protecting github.com names, in the given mode, with the given spec lines. */
    static EgressPolicy deploy(String mode, String extraSpec) {
        return policy("""
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: deploy, resourceVersion: "7", labels: {team: infra}}
                spec:
                  mode: %s
                  workloads: {cgroupPaths: ["egret/deploy-*"]}
                  protects: ["github.com", "*.github.com"]
                  limits: {memory: 256Mi}
                  dns: {minTTL: 5}
                %s
                """.formatted(mode, extraSpec.indent(2)));
    }
}
