package dev.egret.audit;

import dev.egret.policy.EgressPolicy;
import dev.egret.policy.Verdict;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.egret.audit.Events.connect;
import static dev.egret.audit.Events.deploy;
import static dev.egret.audit.Events.dns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyReplayTest {
    private static final String W = "egret/deploy-1";

    private static final List<AuditEvent> EVENTS = List.of(
            dns(W, "deploy", "registry.example.com", Verdict.ALLOW, 0),
            Events.folded(connect(W, "deploy", "registry.example.com", "192.0.2.1", 443, "tcp", Verdict.ALLOW, 1), 5,
                    Events.T0),
            connect(W, "deploy", "mirror.example.org", "192.0.2.2", 80, "tcp", Verdict.ALLOW, 2),
            connect(W, "deploy", null, "198.51.100.4", 22, "tcp", Verdict.DENY, 3),
            connect(W, "deploy", "api.github.com", "140.82.112.3", 443, "tcp", Verdict.ALLOW, 4),
            new AuditEvent("raw-1", Events.T0, null, 1, "node-a", W, "deploy", 7, 1, "ping", AuditEvent.Kind.SOCKET,
                    null, null, null, 0, "icmp", Verdict.DENY, "default-deny", "raw sockets are refused"),
            connect("other", "other", "elsewhere.example.com", "192.0.2.9", 443, "tcp", Verdict.ALLOW, 5));

    @Test
    void listsWhatTheProposalWouldDenyWithRuleAndReason() {
        EgressPolicy proposal = deploy("enforce", """
                egress:
                  - toFQDNs: [{matchName: registry.example.com}]
                    toPorts: [{port: 443, protocol: TCP}]
                  - toCIDR: ["198.51.100.0/24"]
                    toPorts: [{port: 22}]""");
        ReplayReport r = PolicyReplay.replay(proposal, "deploy", EVENTS);
        assertEquals(List.of(W), r.workloads(), "only the policy's workloads are replayed");
        assertEquals("enforce", r.proposedMode());
        ReplayReport.Totals t = r.totals();
        assertEquals(10, t.calls());
        assertEquals(6, t.destinations());
        assertEquals(7, t.allow(), "the query, five folded connects and the newly allowed ssh");
        assertEquals(3, t.deny());
        assertEquals(2, t.newlyDenied(), "mirror and the circular github call");
        assertEquals(1, t.newlyAllowed());

        ReplayItem mirror = r.denied().stream().filter(i -> i.destination().equals("mirror.example.org")).findFirst()
                .orElseThrow();
        assertEquals(Verdict.ALLOW, mirror.recorded());
        assertEquals(Verdict.DENY, mirror.verdict());
        assertEquals("default-deny", mirror.rule());
        assertTrue(mirror.reason().contains("mirror.example.org:80"), mirror.reason());
        ReplayItem github = r.denied().stream().filter(i -> i.destination().equals("api.github.com")).findFirst()
                .orElseThrow();
        assertEquals("spec.protects[1]", github.rule());
        assertTrue(github.reason().contains("circular"), github.reason());
        ReplayItem raw = r.denied().stream().filter(i -> i.kind() == AuditEvent.Kind.SOCKET).findFirst().orElseThrow();
        assertTrue(raw.reason().contains("only TCP and UDP"), raw.reason());
    }

    @Test
    void aQueryIsDecidedByItsNameWhateverThePortsAndAuditModeOnlyRecords() {
        EgressPolicy proposal = deploy("audit", """
                egress:
                  - toFQDNs: [{matchPattern: "*.example.com"}]
                    toPorts: [{port: 8443, protocol: TCP}]""");
        ReplayReport r = PolicyReplay.replay(proposal, "deploy", EVENTS);
        assertTrue(r.denied().stream().noneMatch(i -> i.kind() == AuditEvent.Kind.DNS), r.denied().toString());
        ReplayItem registry = r.denied().stream()
                .filter(i -> i.destination().equals("registry.example.com")).findFirst().orElseThrow();
        assertEquals(AuditEvent.Kind.CONNECT, registry.kind());
        assertEquals(Verdict.AUDIT_DENY, registry.verdict(), "port 443 is not allowed, but audit mode lets it pass");
        assertEquals(5, registry.count());
        assertEquals(Events.T0, registry.firstSeen());
        assertEquals(r.denied().getFirst(), registry, "most frequent first");
        assertEquals(0, r.totals().deny());
    }

    @Test
    void aDeniedNameIsDeniedWhateverTheRulePorts() {
        EgressPolicy proposal = deploy("enforce", """
                deny:
                  - toFQDNs: [{matchName: registry.example.com}]
                    toPorts: [{port: 1}]
                egress:
                  - toFQDNs: [{matchName: registry.example.com}]""");
        ReplayItem q = PolicyReplay.replay(proposal, "deploy", EVENTS).denied().stream()
                .filter(i -> i.kind() == AuditEvent.Kind.DNS).findFirst().orElseThrow();
        assertEquals("spec.deny[0].toFQDNs[0]", q.rule());
    }

    @Test
    void noEventsNoCalls() {
        ReplayReport r = PolicyReplay.replay(deploy("enforce", ""), "nobody", EVENTS);
        assertEquals(0, r.totals().calls());
        assertTrue(r.workloads().isEmpty());
        assertTrue(r.denied().isEmpty());
    }
}
