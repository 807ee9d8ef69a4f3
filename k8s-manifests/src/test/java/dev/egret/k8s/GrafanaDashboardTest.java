package dev.egret.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Grafana dashboard parses and queries only metrics Egret exports. */
class GrafanaDashboardTest {
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((\\w+),\\s*(\\w+)\\)");
    private final JsonNode dashboard = read();

    private static JsonNode read() {
        try {
            return Yamls.JSON.readTree(Repo.read(RuleFiles.dashboard()));
        } catch (java.io.IOException e) {
            throw new AssertionError("prometheus-rules/grafana/egret.json is not valid JSON: " + e.getMessage(), e);
        }
    }

    private List<JsonNode> queryPanels() {
        List<JsonNode> out = new ArrayList<>();
        dashboard.path("panels").forEach(p -> {
            if (!p.path("type").asText().equals("row")) {
                out.add(p);
            }
        });
        return out;
    }

    @Test
    void isADashboardWithPanels() {
        assertEquals("egret", dashboard.path("uid").asText());
        assertFalse(dashboard.path("title").asText().isBlank());
        assertTrue(queryPanels().size() >= 10, "panels: " + queryPanels().size());
        for (JsonNode p : queryPanels()) {
            assertFalse(p.path("targets").isEmpty(), p.path("title") + " has no query");
            assertEquals("${datasource}", p.at("/datasource/uid").asText(), p.path("title") + " data source");
        }
    }

    @Test
    void coversEgressAndDns() {
        String all = dashboard.toString();
        for (String m : List.of("egret_connections_total", "egret_egress_bytes_total", "egret_egress_packets_total",
                "egret_dns_queries_total", "egret_dns_errors_total", "egret_dns_upstream_duration_seconds_bucket",
                "egret_dns_datapath_wait_seconds_bucket", "egret_fqdn_learned_ips")) {
            assertTrue(all.contains(m), "the dashboard does not show " + m);
        }
    }

    @Test
    void queriesOnlyExportedMetrics() {
        List<String> unknown = new ArrayList<>();
        for (JsonNode p : queryPanels()) {
            for (JsonNode t : p.path("targets")) {
                String expr = t.path("expr").asText();
                PromQl.Refs refs = PromQl.refs(expr);
                assertFalse(refs.metrics().isEmpty(), p.path("title") + ": no metric in " + expr);
                refs.metrics().stream().filter(m -> !EgretMetrics.exported(m))
                        .forEach(m -> unknown.add(p.path("title").asText() + ": " + m));
                RuleFilesTest.checkLabelValues(refs.matchers(), expr);
            }
        }
        for (JsonNode v : dashboard.at("/templating/list")) {
            if (v.path("type").asText().equals("query")) {
                Matcher m = LABEL_VALUES.matcher(v.at("/query/query").asText());
                assertTrue(m.matches(), "variable " + v.path("name") + ": " + v.path("query"));
                if (!EgretMetrics.exported(m.group(1))) {
                    unknown.add("variable " + v.path("name").asText() + ": " + m.group(1));
                }
            }
        }
        assertEquals(List.of(), unknown);
    }
}
