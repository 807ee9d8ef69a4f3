package dev.egret.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import dev.egret.k8s.PromQl.LabelMatcher;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rule files are consistent with each other, with the exported metrics, and covered by unit tests. */
class RuleFilesTest {

    @Test
    void thePrometheusRuleHoldsTheRuleFile() {
        JsonNode pr = RuleFiles.prometheusRule();
        assertEquals("monitoring.coreos.com/v1", pr.path("apiVersion").asText());
        assertEquals("PrometheusRule", pr.path("kind").asText());
        assertEquals(RuleFiles.rules(), pr.path("spec"),
                "prometheus-rules/prometheusrule.yaml is out of date: run prometheus-rules/generate");
    }

    @Test
    void theAlertsTheIssueAsksForExist() {
        Set<String> names = new TreeSet<>();
        RuleFiles.alerts().forEach(a -> names.add(a.get("alert").asText()));
        assertTrue(names.containsAll(List.of("EgretDeniedEgressSpike", "EgretCircularDependency", "EgretDnsServfailRate",
                "EgretDnsProxyErrors", "EgretDnsDatapathWaitTimedOut", "EgretBpfMapNearlyFull", "EgretEventsLost",
                "EgretAuditEventsDropped", "EgretNodeAgentDown", "EgretNodesNotReady", "EgretPolicySyncLag",
                "EgretControllerUnreachable", "EgretWorkloadNearMemoryLimit")), names.toString());
    }

    @Test
    void everyAlertHasASeverityASummaryAndADescription() {
        for (JsonNode a : RuleFiles.alerts()) {
            String name = a.get("alert").asText();
            assertTrue(Set.of("warning", "critical").contains(a.at("/labels/severity").asText()), name + " severity");
            assertTrue(!a.at("/annotations/summary").asText().isBlank(), name + " summary");
            assertTrue(!a.at("/annotations/description").asText().isBlank(), name + " description");
        }
    }

    @Test
    void rulesUseOnlyExportedMetricsAndKnownLabelValues() {
        Set<String> recorded = new HashSet<>();
        for (JsonNode r : RuleFiles.rulesOf(RuleFiles.rules())) {
            String expr = r.get("expr").asText();
            PromQl.Refs refs = PromQl.refs(expr);
            for (String m : refs.metrics()) {
                assertTrue(EgretMetrics.exported(m) || recorded.contains(m),
                        "'" + m + "' in " + expr + " is neither exported by Egret nor recorded before");
            }
            checkLabelValues(refs.matchers(), expr);
            if (r.has("record")) {
                recorded.add(r.get("record").asText());
            }
        }
    }

    static void checkLabelValues(List<LabelMatcher> matchers, String expr) {
        for (LabelMatcher m : matchers) {
            Set<String> allowed = EgretMetrics.LABEL_VALUES.get(m.label());
            if (allowed == null || m.value().startsWith("$")) {
                continue;
            }
            for (String v : m.op().endsWith("~") ? List.of(m.value().split("\\|")) : List.of(m.value())) {
                assertTrue(allowed.contains(v), m.label() + " value '" + v + "' in " + expr + " is not one of " + allowed);
            }
        }
    }

    @Test
    void everyAlertIsTestedFiringAndSilent() {
        Map<String, int[]> cases = new TreeMap<>(); // alert -> {firing, silent}
        RuleFiles.alerts().forEach(a -> cases.put(a.get("alert").asText(), new int[2]));
        List<String> problems = new ArrayList<>();
        for (Path file : RuleFiles.unitTests()) {
            JsonNode t = Yamls.read(Repo.read(file));
            assertEquals(List.of("../egret.rules.yaml"), texts(t.path("rule_files")), file + " rule_files");
            for (JsonNode test : t.path("tests")) {
                for (JsonNode c : test.path("alert_rule_test")) {
                    int[] counts = cases.get(c.path("alertname").asText());
                    if (counts == null) {
                        problems.add(file.getFileName() + " tests an alert the rules do not have: " + c.path("alertname"));
                        continue;
                    }
                    counts[c.path("exp_alerts").isEmpty() ? 1 : 0]++;
                }
            }
        }
        cases.forEach((alert, n) -> {
            if (n[0] == 0) {
                problems.add(alert + " has no test where it fires");
            }
            if (n[1] == 0) {
                problems.add(alert + " has no test where it stays silent");
            }
        });
        assertEquals(List.of(), problems);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
