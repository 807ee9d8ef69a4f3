package dev.egret.audit;

import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import dev.egret.policy.PortRule;
import dev.egret.policy.Protocol;
import dev.egret.policy.Rule;
import dev.egret.policy.Verdict;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.egret.audit.Events.connect;
import static dev.egret.audit.Events.deploy;
import static dev.egret.audit.Events.dns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicySuggesterTest {
    private static final String W = "egret/deploy-1";

    private static List<String> selectors(EgressPolicy p) {
        List<String> out = new ArrayList<>();
        for (Rule r : p.spec().egress()) {
            r.toFQDNs().forEach(s -> out.add(s.text()));
            out.addAll(r.toCIDR());
        }
        return out;
    }

    private static Rule ruleFor(EgressPolicy p, String selector) {
        return p.spec().egress().stream()
                .filter(r -> r.toCIDR().contains(selector) || r.toFQDNs().stream().anyMatch(s -> s.text().equals(selector)))
                .findFirst().orElseThrow(() -> new AssertionError(selector + " not in " + selectors(p)));
    }

    @Test
    void siblingsUnderATwoLabelParentBecomeOnePatternWithMergedPorts() {
        EgressPolicy current = deploy("audit", "");
        List<AuditEvent> events = List.of(
                connect(W, "deploy", "a.cdn.example.net", "192.0.2.1", 443, "tcp", Verdict.ALLOW, 0),
                connect(W, "deploy", "b.cdn.example.net", "192.0.2.2", 443, "tcp", Verdict.AUDIT_DENY, 1),
                connect(W, "deploy", "c.cdn.example.net", "192.0.2.3", 80, "tcp", Verdict.AUDIT_DENY, 2),
                connect(W, "deploy", "x.example.org", "192.0.2.4", 443, "tcp", Verdict.ALLOW, 3),
                connect(W, "deploy", "y.example.org", "192.0.2.5", 443, "tcp", Verdict.ALLOW, 4));
        EgressPolicy s = PolicySuggester.suggest(current, events);
        assertEquals(List.of("*.cdn.example.net", "x.example.org", "y.example.org"), selectors(s).stream().sorted().toList(),
                "three siblings are grouped, two are not");
        assertEquals(List.of(new PortRule(80, null, Protocol.TCP), new PortRule(443, null, Protocol.TCP)),
                ruleFor(s, "*.cdn.example.net").toPorts());
        assertEquals(ruleFor(s, "x.example.org"), ruleFor(s, "y.example.org"), "same ports share a rule");
    }

    @Test
    void neverALoneStarNorATopLevelParentNorOneCoveringAProtectedOrDeniedName() {
        EgressPolicy current = deploy("audit", "");
        List<AuditEvent> events = new ArrayList<>();
        for (String n : List.of("a.com", "b.com", "c.com")) { // parent "com" has one label
            events.add(connect(W, "deploy", n, "192.0.2.1", 443, "tcp", Verdict.ALLOW, 0));
        }
        for (String n : List.of("a.github.io", "b.github.io", "c.github.io")) {
            events.add(connect(W, "deploy", n, "192.0.2.1", 443, "tcp", Verdict.ALLOW, 0));
        }
        for (String n : List.of("a.corp.example", "b.corp.example", "c.corp.example")) {
            events.add(connect(W, "deploy", n, "192.0.2.1", 443, "tcp", Verdict.ALLOW, 0));
        }
        events.add(connect(W, "deploy", "admin.corp.example", "192.0.2.1", 443, "tcp", Verdict.DENY, 0));
        EgressPolicy withProtectedIo = Events.policy("""
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: deploy}
                spec:
                  mode: audit
                  protects: ["pages-*.github.io"]
                """);
        EgressPolicy s = PolicySuggester.suggest(withProtectedIo, events);
        List<String> sel = selectors(s);
        assertFalse(sel.contains("*"));
        assertFalse(sel.contains("*.com"));
        assertTrue(sel.containsAll(List.of("a.com", "b.com", "c.com")));
        assertFalse(sel.contains("*.github.io"), "would cover the protected pages-*.github.io: " + sel);
        assertFalse(sel.contains("*.corp.example"), "would cover the denied admin.corp.example: " + sel);
        assertFalse(sel.contains("admin.corp.example"), "denied calls are not needs");
        assertEquals(9, sel.size(), sel.toString());
        assertTrue(PolicySuggester.suggest(current, events).spec().egress().stream()
                .anyMatch(r -> r.toFQDNs().stream().anyMatch(f -> "*.github.io".equals(f.matchPattern()))));
    }

    @Test
    void overlapWithProtectedPatterns() {
        assertTrue(PolicySuggester.overlaps("github.com", "api.github.com"));
        assertTrue(PolicySuggester.overlaps("github.com", "*.github.com"));
        assertTrue(PolicySuggester.overlaps("api.github.com", "**.github.com"));
        assertTrue(PolicySuggester.overlaps("github.com", "**.github.com"));
        assertTrue(PolicySuggester.overlaps("example.com", "*"));
        assertTrue(PolicySuggester.overlaps("github.com", "api-*.github.com"));
        assertFalse(PolicySuggester.overlaps("github.com", "github.com"));
        assertFalse(PolicySuggester.overlaps("github.com", "*.api.github.com"));
        assertFalse(PolicySuggester.overlaps("github.com", "**.api.github.com"));
        assertFalse(PolicySuggester.overlaps("example.com", "evilexample.com"));
    }

    @Test
    void addressesWithoutNamesBecomeHostCidrsAndPortsMerge() {
        EgressPolicy current = deploy("enforce", "");
        List<AuditEvent> events = List.of(
                connect(W, "deploy", null, "192.0.2.9", 8000, "tcp", Verdict.ALLOW, 0),
                connect(W, "deploy", null, "192.0.2.9", 8001, "tcp", Verdict.ALLOW, 0),
                connect(W, "deploy", null, "192.0.2.9", 8002, "tcp", Verdict.ALLOW, 0),
                connect(W, "deploy", null, "2001:db8:0:0:0:0:0:53", 53, "udp", Verdict.ALLOW, 0),
                connect(W, "deploy", null, "2001:db8::53", 53, "tcp", Verdict.ALLOW, 0),
                connect(W, "deploy", null, "192.0.2.9", 0, "tcp", Verdict.ALLOW, 0),
                connect(W, "deploy", null, "192.0.2.10", 1, "icmp", Verdict.ALLOW, 0));
        EgressPolicy s = PolicySuggester.suggest(current, events);
        assertEquals(List.of("192.0.2.9/32", "2001:db8::53/128"), selectors(s));
        assertEquals(List.of(new PortRule(8000, 8002, Protocol.TCP)), ruleFor(s, "192.0.2.9/32").toPorts());
        assertEquals(List.of(new PortRule(53, null, Protocol.ANY)), ruleFor(s, "2001:db8::53/128").toPorts());
    }

    @Test
    void leavesOutCircularDeniedResolvedOnlyAndDenyRuleCoveredCalls() {
        EgressPolicy current = deploy("audit", """
                deny:
                  - toCIDR: ["169.254.169.254/32"]
                  - toFQDNs: [{matchName: blocked.example.com}]""");
        List<AuditEvent> events = List.of(
                connect("ci/other", null, "github.com", "140.82.112.4", 443, "tcp", Verdict.ALLOW, 0),
                connect(W, "deploy", "api.github.com", "140.82.112.3", 443, "tcp", Verdict.AUDIT_DENY, 0),
                connect(W, "deploy", null, "140.82.112.4", 443, "tcp", Verdict.AUDIT_DENY, 0),
                connect(W, "deploy", null, "169.254.169.254", 80, "tcp", Verdict.AUDIT_DENY, 0),
                connect(W, "deploy", "blocked.example.com", "192.0.2.8", 443, "tcp", Verdict.AUDIT_DENY, 0),
                connect(W, "deploy", "denied.example.com", "192.0.2.7", 443, "tcp", Verdict.DENY, 0),
                dns(W, "deploy", "resolved-only.example.com", Verdict.ALLOW, 0),
                connect(W, "deploy", "needed.example.com", "192.0.2.6", 443, "tcp", Verdict.AUDIT_DENY, 0),
                connect("not/mine", "other", "theirs.example.com", "192.0.2.5", 443, "tcp", Verdict.ALLOW, 0));
        EgressPolicy s = PolicySuggester.suggest(current, events);
        assertEquals(List.of("needed.example.com"), selectors(s));
    }

    @Test
    void keepsEverythingButTheAllowRulesAndIsAValidPolicyThatAllowsWhatItWasBuiltFrom() {
        EgressPolicy current = deploy("audit", """
                allowRawSockets: true
                egress:
                  - toFQDNs: [{matchName: old.example.com}]
                deny:
                  - toCIDR: ["10.0.0.0/8"]""");
        List<AuditEvent> events = new ArrayList<>();
        String[] names = {"a.pkg.example.com", "b.pkg.example.com", "c.pkg.example.com", "registry.example.io"};
        for (int i = 0; i < names.length; i++) {
            events.add(dns(W, "deploy", names[i], Verdict.AUDIT_DENY, i));
            events.add(connect(W, "deploy", names[i], "192.0.2." + (i + 1), 443 + i, i % 2 == 0 ? "tcp" : "udp",
                    Verdict.AUDIT_DENY, i));
        }
        events.add(connect(W, "deploy", null, "198.51.100.1", 5432, "tcp", Verdict.AUDIT_DENY, 9));
        EgressPolicy s = PolicySuggester.suggest(current, events);

        assertEquals(current.metadata(), s.metadata());
        assertEquals(current.spec().mode(), s.spec().mode());
        assertEquals(current.spec().workloads(), s.spec().workloads());
        assertEquals(current.spec().deny(), s.spec().deny());
        assertEquals(current.spec().protects(), s.spec().protects());
        assertEquals(current.spec().limits(), s.spec().limits());
        assertTrue(s.spec().allowRawSockets(), "raw sockets stay allowed");
        assertEquals(current.spec().dns(), s.spec().dns());
        assertEquals(s, PolicyCodec.parseYaml(PolicyCodec.toYaml(s)), "a valid policy that round-trips");

        ReplayReport r = PolicyReplay.replay(s.withResourceVersion(null), "deploy", events);
        assertEquals(0, r.totals().auditDeny(), "the suggestion allows every call it was built from: " + r.denied());
        assertEquals(r.totals().calls(), r.totals().allow());
    }
}
