package dev.egret.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.k8s.PolicyCorpus.Example;
import dev.egret.policy.PolicyCodec;
import dev.egret.policy.json.JsonSyntax;
import dev.egret.policy.PolicyValidationException;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The EgressPolicy CRD agrees with the policy language: what the policy codec accepts the schema accepts, what
 * it refuses the schema refuses, apart from the differences listed in {@link #knownDifferences}.
 */
class EgressPolicyCrdTest {
    static final JsonNode CRD = Yamls.read(Repo.read(Repo.crd()));
    static final JsonNode SCHEMA = CRD.at("/spec/versions/0/schema/openAPIV3Schema");

    static List<String> crdErrors(JsonNode policy) {
        return StructuralSchema.validate(SCHEMA, policy);
    }

    static List<String> codecErrors(JsonNode policy) {
        try {
            PolicyCodec.fromTree(JsonSyntax.parse(policy.toString()), "");
            return List.of();
        } catch (PolicyValidationException e) {
            return e.violations().stream().map(v -> v.field() + ": " + v.message()).toList();
        }
    }

    @Test
    void definesAClusterScopedEgressPolicyWithStatus() {
        CustomResourceDefinition crd = Manifests.SERIALIZATION.convertValue(CRD, CustomResourceDefinition.class);
        assertEquals("egresspolicies.egret.dev", crd.getMetadata().getName());
        assertEquals("egret.dev", crd.getSpec().getGroup());
        assertEquals("Cluster", crd.getSpec().getScope());
        assertEquals("EgressPolicy", crd.getSpec().getNames().getKind());
        assertEquals("egresspolicies", crd.getSpec().getNames().getPlural());
        assertEquals(1, crd.getSpec().getVersions().size());
        CustomResourceDefinitionVersion v1 = crd.getSpec().getVersions().getFirst();
        assertEquals("v1", v1.getName());
        assertTrue(v1.getServed() && v1.getStorage());
        assertNotNull(v1.getSubresources().getStatus(), "status subresource");
        assertEquals(List.of(".spec.mode", ".metadata.creationTimestamp"),
                v1.getAdditionalPrinterColumns().stream().map(CustomResourceColumnDefinition::getJsonPath).toList());
        JsonNode status = SCHEMA.at("/properties/status/properties");
        assertEquals("integer", status.at("/observedGeneration/type").asText());
        assertEquals("integer", status.at("/appliedNodes/type").asText());
        assertEquals("array", status.at("/conditions/type").asText());
    }

    @Test
    void specHasExactlyTheFieldsOfThePolicyLanguage() {
        JsonNode spec = SCHEMA.at("/properties/spec/properties");
        assertEquals(List.of("mode", "workloads", "egress", "deny", "protects", "allowRawSockets", "limits", "dns"),
                names(spec));
        assertEquals("boolean", spec.at("/allowRawSockets/type").asText());
        assertEquals(List.of("cgroupPaths", "podSelector", "namespaceSelector"), names(spec.at("/workloads/properties")));
        JsonNode rule = spec.at("/egress/items");
        assertEquals(rule, spec.at("/deny/items"), "deny rules have the shape of egress rules");
        assertEquals(List.of("toFQDNs", "toCIDR", "toPorts"), names(rule.get("properties")));
        assertEquals(List.of("matchName", "matchPattern"), names(rule.at("/properties/toFQDNs/items/properties")));
        assertEquals(List.of("port", "endPort", "protocol"), names(rule.at("/properties/toPorts/items/properties")));
        assertEquals(List.of("memory", "cpu", "pids"), names(spec.at("/limits/properties")));
        assertEquals(List.of("minTTL", "maxTTL", "deniedResponse"), names(spec.at("/dns/properties")));
        assertEquals(List.of("enforce", "audit"), texts(spec.at("/mode/enum")));
        assertEquals(List.of("TCP", "UDP", "ANY"), texts(rule.at("/properties/toPorts/items/properties/protocol/enum")));
        assertEquals(List.of("refused", "nxdomain"), texts(spec.at("/dns/properties/deniedResponse/enum")));
    }

    static Stream<Example> valid() {
        List<Example> all = new ArrayList<>(PolicyCorpus.readme());
        all.addAll(PolicyCorpus.moreValid());
        return all.stream();
    }

    @Test
    void theReadmeHasExamples() {
        assertTrue(PolicyCorpus.readme().size() >= 2, "README policies: " + PolicyCorpus.readme());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void acceptsWhatThePolicyLanguageAccepts(Example e) {
        assertEquals(List.of(), codecErrors(e.policy()), "the policy codec should accept " + e.name());
        assertEquals(List.of(), crdErrors(e.policy()), "the CRD should accept " + e.name());
    }

    /** What the controller writes into a resource is the codec's canonical form: the schema must take it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void acceptsTheCodecsCanonicalForm(Example e) {
        JsonNode canonical = Yamls.read(PolicyCodec.toJson(PolicyCodec.fromTree(JsonSyntax.parse(e.policy().toString()), "")));
        assertEquals(List.of(), crdErrors(canonical), "the CRD should accept the canonical form of " + e.name());
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("spec.mode", "bogus", "spec.mode"),
                Arguments.of("spec.egress.0.toPorts.0.protocol", "XYZ", "spec.egress[0].toPorts[0].protocol"),
                Arguments.of("spec.egress.0.toPorts.0.port", "0", "spec.egress[0].toPorts[0].port"),
                Arguments.of("spec.egress.0.toPorts.0.port", "65536", "spec.egress[0].toPorts[0].port"),
                Arguments.of("spec.egress.0.toPorts.0.port", "'443'", "spec.egress[0].toPorts[0].port"),
                Arguments.of("spec.egress.0.toPorts.0", "{protocol: TCP}", "spec.egress[0].toPorts[0].port"),
                Arguments.of("spec.egress.1.toPorts.0.endPort", "7999", "spec.egress[1].toPorts[0]"),
                Arguments.of("spec.egress.0.toFQDN", "[]", "spec.egress[0].toFQDN"),
                Arguments.of("spec.egress.0", "{toPorts: [{port: 80}]}", "spec.egress[0]"),
                Arguments.of("spec.egress.0", "{toFQDNs: [], toCIDR: []}", "spec.egress[0]"),
                Arguments.of("spec.egress", "{toCIDR: [10.0.0.0/8]}", "spec.egress"),
                Arguments.of("spec.egress.0.toFQDNs.0", "{matchName: a.com, matchPattern: '*.a.com'}", "spec.egress[0].toFQDNs[0]"),
                Arguments.of("spec.egress.0.toFQDNs.0", "{}", "spec.egress[0].toFQDNs[0]"),
                Arguments.of("spec.egress.0.toFQDNs.0.matchName", "a..com", "spec.egress[0].toFQDNs[0].matchName"),
                Arguments.of("spec.egress.0.toFQDNs.0.matchName", "'*.a.com'", "spec.egress[0].toFQDNs[0].matchName"),
                Arguments.of("spec.egress.0.toFQDNs.1.matchPattern", "'a.**.com'", "spec.egress[0].toFQDNs[1].matchPattern"),
                Arguments.of("spec.egress.0.toFQDNs.1.matchPattern", "'**'", "spec.egress[0].toFQDNs[1].matchPattern"),
                Arguments.of("spec.egress.0.toFQDNs.1.matchPattern", "'bad pattern'", "spec.egress[0].toFQDNs[1].matchPattern"),
                Arguments.of("spec.egress.1.toCIDR.0", "not-an-ip", "spec.egress[1].toCIDR[0]"),
                Arguments.of("spec.egress.1.toCIDR.0", "10.0.0.0/x", "spec.egress[1].toCIDR[0]"),
                Arguments.of("spec.deny.0.toCIDR", "169.254.169.254/32", "spec.deny[0].toCIDR"),
                Arguments.of("spec.protects.0", "'github..com'", "spec.protects[0]"),
                Arguments.of("spec.workloads.cgroupPaths.0", "/system.slice/x.service", "spec.workloads.cgroupPaths[0]"),
                Arguments.of("spec.workloads.cgroupPaths.0", "a/../b", "spec.workloads.cgroupPaths[0]"),
                Arguments.of("spec.workloads.cgroupPaths.0", "a//b", "spec.workloads.cgroupPaths[0]"),
                Arguments.of("spec.workloads.podSelector", "{matchExpressions: [{key: a, operator: Near}]}",
                        "spec.workloads.podSelector.matchExpressions[0].operator"),
                Arguments.of("spec.workloads.podSelector", "{matchExpressions: [{key: a, operator: In}]}",
                        "spec.workloads.podSelector.matchExpressions[0]"),
                Arguments.of("spec.workloads.namespaceSelector", "{matchLabels: {team: 7}}",
                        "spec.workloads.namespaceSelector.matchLabels.team"),
                Arguments.of("spec.limits.memory", "lots", "spec.limits.memory"),
                Arguments.of("spec.limits.memory", "12Qi", "spec.limits.memory"),
                Arguments.of("spec.limits.cpu", "fast", "spec.limits.cpu"),
                Arguments.of("spec.limits.pids", "0", "spec.limits.pids"),
                Arguments.of("spec.limits.swap", "1Gi", "spec.limits.swap"),
                Arguments.of("spec.dns.minTTL", "-1", "spec.dns.minTTL"),
                Arguments.of("spec.dns.maxTTL", "10", "spec.dns"),
                Arguments.of("spec.dns.deniedResponse", "servfail", "spec.dns.deniedResponse"),
                Arguments.of("spec.allowRawSockets", "'true'", "spec.allowRawSockets"),
                Arguments.of("spec.allowRawSockets", "1", "spec.allowRawSockets"),
                Arguments.of("spec.colour", "blue", "spec.colour"),
                Arguments.of("metadata.name", "Deploy_Web", "metadata.name"),
                Arguments.of("metadata.name", "a".repeat(64), "metadata.name"),
                Arguments.of("spec", null, "spec"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("invalid")
    void refusesWhatThePolicyLanguageRefuses(String path, String value, String field) {
        JsonNode policy = PolicyCorpus.with(path, value);
        assertFalse(codecErrors(policy).isEmpty(), "the policy codec should refuse " + path + "=" + value);
        List<String> errors = crdErrors(policy);
        assertTrue(errors.stream().anyMatch(e -> e.startsWith(field + ":")),
                "the CRD should refuse " + path + "=" + value + " at " + field + ", errors: " + errors);
    }

    /**
     * Where the two differ on purpose. The CRD is stricter on spelling (the canonical enum values the codec writes)
     * and on size (lists bounded for CEL); the agent, which reads each resource with the codec, refuses what the
     * schema cannot express and keeps the last good version of that policy.
     */
    @Test
    void knownDifferences() {
        // enums: the codec takes any case, the CRD the canonical spelling
        differs(PolicyCorpus.with("spec.mode", "Audit"), true);
        differs(PolicyCorpus.with("spec.egress.0.toPorts.0.protocol", "tcp"), true);
        // a fractional CPU count must be a string ("0.5" or "500m") in a resource
        differs(PolicyCorpus.with("spec.limits.cpu", "0.5"), true);
        // bounded lists
        differs(PolicyCorpus.with("spec.egress.0.toPorts", "[" + "{port: 1}, ".repeat(17) + "]"), true);
        // semantic limits the schema cannot state: the agent refuses these
        differs(PolicyCorpus.with("spec.limits.memory", "1Ki"), false);
        differs(PolicyCorpus.with("spec.egress.0.toFQDNs.1.matchPattern", "'*." + "a".repeat(64) + ".com'"), false);
        differs(PolicyCorpus.with("spec.egress.1.toCIDR.0", "10.0.0.0/33"), false);
        differs(PolicyCorpus.with("spec.limits.cpu", "'0.0001'"), false);
    }

    private static void differs(JsonNode policy, boolean onlyTheCrdRefuses) {
        List<String> crd = crdErrors(policy);
        List<String> codec = codecErrors(policy);
        if (onlyTheCrdRefuses) {
            assertTrue(!crd.isEmpty() && codec.isEmpty(), "expected only the CRD to refuse: crd " + crd + ", codec " + codec);
        } else {
            assertTrue(crd.isEmpty() && !codec.isEmpty(), "expected only the codec to refuse: crd " + crd + ", codec " + codec);
        }
    }

    @Test
    void acceptsAStatusAsTheControllerWritesIt() {
        JsonNode policy = PolicyCorpus.full();
        ((ObjectNode) policy).set("status", Yamls.read("""
                observedGeneration: 3
                appliedNodes: 12
                conditions:
                  - {type: Ready, status: "True", reason: Applied, message: enforced on 12 of 12 nodes,
                     lastTransitionTime: "2025-01-02T03:04:05Z", observedGeneration: 3}
                """));
        assertEquals(List.of(), crdErrors(policy));
        ((ObjectNode) policy.get("status")).put("appliedNodes", -1);
        assertFalse(crdErrors(policy).isEmpty());
    }

    private static List<String> names(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
