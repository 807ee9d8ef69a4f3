package dev.egret.node.pods;

import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PodSelectionTest {
    private static EgressPolicy policy(String name, String workloads) {
        return PolicyCodec.parseYaml("""
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: %s}
                spec:
                  workloads: %s
                """.formatted(name, workloads));
    }

    private static final List<PodInfo> PODS = List.of(
            new PodInfo("deploy", "runner-1", "u1", Map.of("app", "deployer")),
            new PodInfo("deploy", "web-1", "u2", Map.of("app", "web")),
            new PodInfo("ci", "runner-2", "u3", Map.of("app", "deployer")),
            new PodInfo("kube-system", "dns", "u4", Map.of()));
    private static final Map<String, Map<String, String>> NS = Map.of(
            "deploy", Map.of("team", "sre"), "ci", Map.of("team", "build"), "kube-system", Map.of());

    private static List<String> selected(String workloads) {
        Map<String, EgressPolicy> ps = Map.of("p", policy("p", workloads));
        return PodSelection.select(ps, PODS, NS).getOrDefault("p", List.of()).stream().map(PodInfo::workload).toList();
    }

    @Test
    void podAndNamespaceSelectorsBothHold() {
        assertEquals(List.of("deploy/runner-1", "ci/runner-2"), selected("{podSelector: {matchLabels: {app: deployer}}}"));
        assertEquals(List.of("deploy/runner-1", "deploy/web-1"), selected("{namespaceSelector: {matchLabels: {team: sre}}}"));
        assertEquals(List.of("deploy/runner-1"),
                selected("{podSelector: {matchLabels: {app: deployer}}, namespaceSelector: {matchLabels: {team: sre}}}"));
        assertEquals(List.of("ci/runner-2"), selected("""
                {podSelector: {matchExpressions: [{key: app, operator: In, values: [deployer]}]},
                 namespaceSelector: {matchExpressions: [{key: team, operator: NotIn, values: [sre]}]}}"""));
        assertEquals(List.of("deploy/runner-1", "deploy/web-1", "ci/runner-2", "kube-system/dns"), selected("{podSelector: {}}"));
    }

    @Test
    void cgroupOnlyPoliciesSelectNoPods() {
        assertEquals(Map.of(), PodSelection.select(Map.of("p", policy("p", "{cgroupPaths: [\"a/*\"]}")), PODS, NS));
    }
}
