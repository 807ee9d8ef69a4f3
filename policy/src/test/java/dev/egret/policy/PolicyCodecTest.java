package dev.egret.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyCodecTest {
    static final String FULL = """
            apiVersion: egret.dev/v1
            kind: EgressPolicy
            metadata:
              name: deploy-web
              labels: {team: infra}
            spec:
              mode: audit
              workloads:
                cgroupPaths: ["system.slice/deploy-*.service"]
                podSelector:
                  matchLabels: {app: deploy}
                  matchExpressions: [{key: tier, operator: In, values: [ops]}]
              egress:
                - toFQDNs: [{matchName: registry.example.com}, {matchPattern: "**.debian.org"}]
                  toPorts: [{port: 443, protocol: tcp}]
                - toCIDR: ["10.0.0.0/8", "2001:db8::/32"]
                  toPorts: [{port: 8000, endPort: 8999}]
              deny:
                - toCIDR: ["169.254.169.254/32"]
              protects: [github.com, "*.github.net"]
              allowRawSockets: true
              limits: {memory: 512Mi, cpu: 500m, pids: 64}
              dns: {minTTL: 5, maxTTL: 300, deniedResponse: nxdomain}
            """;

    @Test
    void readsEveryField() {
        EgressPolicy p = PolicyCodec.parseYaml(FULL);
        assertEquals("deploy-web", p.name());
        assertEquals(Mode.AUDIT, p.spec().mode());
        assertEquals(List.of("system.slice/deploy-*.service"), p.spec().workloads().cgroupPaths());
        assertEquals("deploy", p.spec().workloads().podSelector().matchLabels().get("app"));
        assertEquals(Protocol.TCP, p.spec().egress().get(0).toPorts().get(0).protocol());
        assertEquals(Protocol.ANY, p.spec().egress().get(1).toPorts().get(0).protocol());
        assertEquals(8999, p.spec().egress().get(1).toPorts().get(0).endPort());
        assertTrue(p.spec().allowRawSockets());
        assertEquals(512L * 1024 * 1024, p.spec().limits().memoryBytes());
        assertEquals(500, p.spec().limits().cpuMillis());
        assertEquals(64, p.spec().limits().pidsLimit());
        assertEquals(DeniedResponse.NXDOMAIN, p.spec().dns().deniedResponse());
        assertEquals(300, p.spec().dns().clampTtl(100_000));
        assertEquals(5, p.spec().dns().clampTtl(0));
        assertNull(p.metadata().resourceVersion());
    }

    @Test
    void defaultsApply() {
        EgressPolicy p = PolicyCodec.parseJson("""
                {"apiVersion":"egret.dev/v1","kind":"EgressPolicy","metadata":{"name":"m"},"spec":{}}""");
        assertEquals(Mode.ENFORCE, p.spec().mode());
        assertEquals(DeniedResponse.REFUSED, p.spec().dns().deniedResponse());
        assertTrue(p.spec().egress().isEmpty());
        assertFalse(p.spec().allowRawSockets(), "raw and packet sockets are refused unless the policy says so");
        assertEquals(Verdict.DENY, PolicyDecider.decide(p, new Destination("a.com", null, 443, Protocol.TCP)).verdict());
    }

    @Test
    void roundTripsThroughJsonAndYaml() {
        EgressPolicy p = PolicyCodec.parseYaml(FULL).withResourceVersion("42");
        assertEquals(p, PolicyCodec.parseJson(PolicyCodec.toJson(p)));
        assertEquals(p, PolicyCodec.parseYaml(PolicyCodec.toJson(p)), "JSON is YAML: the canonical form reads the same as YAML");
        assertEquals(p, PolicyCodec.fromTree(PolicyCodec.toTree(p), ""));
        assertEquals("true", PolicyCodec.toTree(p).get("spec").get("allowRawSockets").toString());
    }

    @Test
    void allowRawSocketsIsWrittenOnlyWhenTrue() {
        EgressPolicy allowed = PolicyCodec.parseYaml(merge("spec: {allowRawSockets: true}"));
        EgressPolicy refused = PolicyCodec.parseYaml(merge("spec: {allowRawSockets: false}"));
        assertTrue(PolicyCodec.toJson(allowed).contains("\"allowRawSockets\":true"), PolicyCodec.toJson(allowed));
        assertFalse(PolicyCodec.toJson(refused).contains("allowRawSockets"), PolicyCodec.toJson(refused));
        assertEquals(PolicyCodec.parseYaml(merge("spec: {}")), refused, "false is the default");
        assertEquals(refused, PolicyCodec.parseJson(PolicyCodec.toJson(refused)));
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("apiVersion: v1", "apiVersion"),
                Arguments.of("kind: Policy", "kind"),
                Arguments.of("metadata: {name: Deploy_Web}", "metadata.name"),
                Arguments.of("metadata: {name: " + "a".repeat(64) + "}", "metadata.name"),
                Arguments.of("metadata: {}", "metadata.name"),
                Arguments.of("colour: blue", "colour"),
                Arguments.of("spec: {mode: strict}", "spec.mode"),
                Arguments.of("spec: {egress: {toCIDR: [1.2.3.4/8]}}", "spec.egress"),
                Arguments.of("spec: {egress: [{toCIDR: [1.2.3.4/33]}]}", "spec.egress[0].toCIDR[0]"),
                Arguments.of("spec: {egress: [{toCIDR: [1.2.3.4/8], ports: []}]}", "spec.egress[0].ports"),
                Arguments.of("spec: {egress: [{toPorts: [{port: 80}]}]}", "spec.egress[0]"),
                Arguments.of("spec: {egress: [{toCIDR: ['::/0'], toPorts: [{port: 0}]}]}", "spec.egress[0].toPorts[0].port"),
                Arguments.of("spec: {egress: [{toCIDR: ['::/0'], toPorts: [{port: 65536}]}]}", "spec.egress[0].toPorts[0].port"),
                Arguments.of("spec: {egress: [{toCIDR: ['::/0'], toPorts: [{port: '80'}]}]}", "spec.egress[0].toPorts[0].port"),
                Arguments.of("spec: {egress: [{toCIDR: ['::/0'], toPorts: [{port: 80, endPort: 79}]}]}", "spec.egress[0].toPorts[0].endPort"),
                Arguments.of("spec: {egress: [{toCIDR: ['::/0'], toPorts: [{port: 80, protocol: SCTP}]}]}", "spec.egress[0].toPorts[0].protocol"),
                Arguments.of("spec: {deny: [{toFQDNs: [{matchPattern: 'a.**.com'}]}]}", "spec.deny[0].toFQDNs[0].matchPattern"),
                Arguments.of("spec: {deny: [{toFQDNs: [{matchName: 'a..com'}]}]}", "spec.deny[0].toFQDNs[0].matchName"),
                Arguments.of("spec: {deny: [{toFQDNs: [{matchName: a.com, matchPattern: '*.a.com'}]}]}", "spec.deny[0].toFQDNs[0]"),
                Arguments.of("spec: {deny: [{toFQDNs: [{matchName: '" + "a.".repeat(127) + "com'}]}]}", "spec.deny[0].toFQDNs[0].matchName"),
                Arguments.of("spec: {protects: ['bad pattern']}", "spec.protects[0]"),
                Arguments.of("spec: {limits: {memory: lots}}", "spec.limits.memory"),
                Arguments.of("spec: {limits: {memory: 12Qi}}", "spec.limits.memory"),
                Arguments.of("spec: {limits: {cpu: 0.0001}}", "spec.limits.cpu"),
                Arguments.of("spec: {limits: {cpu: fast}}", "spec.limits.cpu"),
                Arguments.of("spec: {limits: {pids: 0}}", "spec.limits.pids"),
                Arguments.of("spec: {dns: {minTTL: 10, maxTTL: 5}}", "spec.dns.maxTTL"),
                Arguments.of("spec: {dns: {minTTL: -1}}", "spec.dns.minTTL"),
                Arguments.of("spec: {dns: {deniedResponse: drop}}", "spec.dns.deniedResponse"),
                Arguments.of("spec: {allowRawSockets: 'true'}", "spec.allowRawSockets"),
                Arguments.of("spec: {allowRawSockets: 1}", "spec.allowRawSockets"),
                Arguments.of("spec: {allowRawSockets: [true]}", "spec.allowRawSockets"),
                Arguments.of("spec: {allowRawSocket: true}", "spec.allowRawSocket"),
                Arguments.of("spec: {workloads: {cgroupPaths: [/abs/path]}}", "spec.workloads.cgroupPaths[0]"),
                Arguments.of("spec: {workloads: {cgroupPaths: ['a/../b']}}", "spec.workloads.cgroupPaths[0]"),
                Arguments.of("spec: {workloads: {podSelector: {matchExpressions: [{key: a, operator: Near}]}}}",
                        "spec.workloads.podSelector.matchExpressions[0].operator"));
    }

    @ParameterizedTest(name = "{1}: {0}")
    @MethodSource("invalid")
    void violationsNameTheField(String override, String field) {
        String doc = merge(override);
        PolicyValidationException e = assertThrows(PolicyValidationException.class, () -> PolicyCodec.parseYaml(doc));
        assertTrue(e.violations().stream().anyMatch(v -> v.field().equals(field)),
                "expected a violation of " + field + " but got " + e.violations());
    }

    @Test
    void malformedInputIsAViolationOfTheBody() {
        for (String bad : List.of("", "   ", "{", "[1,2]", "\"just a string\"", "a: [b", "{\"a\":1,\"a\":2}")) {
            PolicyValidationException e = assertThrows(PolicyValidationException.class, () -> PolicyCodec.parseJson(bad));
            assertTrue(e.violations().get(0).field().equals("body"), bad + " -> " + e.violations());
        }
        PolicyValidationException e = assertThrows(PolicyValidationException.class,
                () -> PolicyCodec.parseYaml("apiVersion: [egret\n  kind: : :"));
        assertEquals("body", e.violations().get(0).field());
    }

    @Test
    void collectsAllViolations() {
        PolicyValidationException e = assertThrows(PolicyValidationException.class, () -> PolicyCodec.parseYaml("""
                apiVersion: egret.dev/v2
                kind: EgressPolicy
                metadata: {name: ok}
                spec: {egress: [{toCIDR: [nope], toPorts: [{port: 0}]}], limits: {pids: -3}}
                """));
        assertEquals(4, e.violations().size(), e.violations().toString());
    }

    @Test
    void prefixIsPrependedToFields() {
        PolicyValidationException e = assertThrows(PolicyValidationException.class, () -> PolicyCodec.fromTree(
                dev.egret.policy.json.JsonSyntax.parse("{\"kind\":\"X\"}"), "policy."));
        assertTrue(e.violations().stream().allMatch(v -> v.field().startsWith("policy.")), e.violations().toString());
    }

    /** The base document with one top-level key replaced. */
    static String merge(String override) {
        String key = override.substring(0, override.indexOf(':'));
        StringBuilder out = new StringBuilder();
        boolean replaced = false;
        boolean skipping = false;
        for (String line : """
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: base}
                spec: {egress: [{toCIDR: [10.0.0.0/8]}]}
                """.lines().toList()) {
            if (line.startsWith(key + ":")) {
                out.append(override).append('\n');
                replaced = true;
                skipping = true;
                continue;
            }
            skipping = false;
            out.append(line).append('\n');
        }
        if (!replaced && !skipping) {
            out.append(override).append('\n');
        }
        return out.toString();
    }

    @Test
    void aYamlAliasIsRefusedNotReadAsItsName() {
        String yaml = """
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: anchors}
                spec:
                  workloads: {cgroupPaths: ["ci/*"]}
                  protects: [&gh github.com]
                  deny: [{toFQDNs: [{matchName: *gh}]}]
                """;
        PolicyValidationException e = assertThrows(PolicyValidationException.class, () -> PolicyCodec.parseYaml(yaml));
        assertEquals("body", e.violations().getFirst().field());
        assertTrue(e.violations().getFirst().message().contains("alias '*gh'"), e.getMessage());
    }

    @Test
    void aBodyOfMoreThanOneDocumentIsRefused() {
        String yaml = FULL + "---\n" + FULL.replace("deploy-web", "second");
        PolicyValidationException e = assertThrows(PolicyValidationException.class, () -> PolicyCodec.parseYaml(yaml));
        assertEquals("body", e.violations().getFirst().field());
        assertTrue(e.violations().getFirst().message().contains("more than one document"), e.getMessage());
        String json = PolicyCodec.toJson(PolicyCodec.parseYaml(FULL));
        PolicyValidationException j = assertThrows(PolicyValidationException.class,
                () -> PolicyCodec.parseJson(json + " {\"spec\": {}} garbage"));
        assertTrue(j.violations().getFirst().message().contains("more than one document"), j.getMessage());
        assertEquals("deploy-web", PolicyCodec.parseJson(json + "\n  ").name()); // trailing blanks are fine
        assertEquals("deploy-web", PolicyCodec.parseYaml("---\n" + FULL).name()); // so is a leading marker
    }

    @Test
    void aPortScopedNameDenyIsReadButNotWrittenAnyMore() {
        String doc = merge("spec: {deny: [{toFQDNs: [{matchName: mail.example.com}], toPorts: [{port: 25}]}, "
                + "{toCIDR: [10.0.0.0/8], toPorts: [{port: 25}]}]}");
        EgressPolicy stored = PolicyCodec.parseYaml(doc); // written before the rule: still applies after an upgrade
        PolicyValidationException e = assertThrows(PolicyValidationException.class, () -> NewPolicyRules.check(stored));
        assertEquals(List.of("spec.deny[0].toPorts"), e.violations().stream().map(Violation::field).toList(),
                "toPorts stays valid on a deny rule with toCIDR only");
        EgressPolicy full = PolicyCodec.parseYaml(FULL);
        assertEquals(full, NewPolicyRules.check(full));
    }
}
