package dev.egret.node.app;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeEndpointsTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void healthIsUpOnlyWhileEveryCheckIs() throws Exception {
        AtomicBoolean datapath = new AtomicBoolean(true);
        AtomicBoolean applied = new AtomicBoolean(false);
        try (NodeEndpoints e = NodeEndpoints.start("127.0.0.1", 0, () -> checks("datapath", datapath.get(), "dns-proxy", true),
                () -> checks("policies-applied", applied.get()), () -> "x_total 1.0\n")) {
            assertEquals(200, get(e, "/q/health/live").statusCode());
            HttpResponse<String> ready = get(e, "/q/health/ready");
            assertEquals(503, ready.statusCode());
            assertEquals("{\"status\":\"DOWN\",\"checks\":[{\"name\":\"policies-applied\",\"status\":\"DOWN\"}]}", ready.body());
            assertEquals("application/json", ready.headers().firstValue("Content-Type").orElseThrow());

            applied.set(true);
            HttpResponse<String> all = get(e, "/q/health");
            assertEquals(200, all.statusCode());
            assertEquals("{\"status\":\"UP\",\"checks\":[{\"name\":\"datapath\",\"status\":\"UP\"},{\"name\":\"dns-proxy\","
                    + "\"status\":\"UP\"},{\"name\":\"policies-applied\",\"status\":\"UP\"}]}", all.body());

            datapath.set(false);
            assertEquals(503, get(e, "/q/health/live").statusCode());
            assertEquals(503, get(e, "/q/health").statusCode());
            assertEquals(200, get(e, "/q/health/ready").statusCode());
        }
    }

    @Test
    void aCheckThatThrowsIsDown() throws Exception {
        try (NodeEndpoints e = NodeEndpoints.start("127.0.0.1", 0, () -> {
            throw new IllegalStateException("boom");
        }, Map::of, () -> "")) {
            HttpResponse<String> live = get(e, "/q/health/live");
            assertEquals(503, live.statusCode());
            assertTrue(live.body().startsWith("{\"status\":\"DOWN\""), live.body());
        }
    }

    @Test
    void servesTheRegistryAsPrometheusText() throws Exception {
        var registry = NodeMain.registry();
        registry.counter("egret_test_events").increment(3);
        registry.counter("egret_test_labelled", "workload", "a\"b", "verdict", "deny").increment();
        try (NodeEndpoints e = NodeEndpoints.start("127.0.0.1", 0, Map::of, Map::of,
                () -> PrometheusText.of(registry.getPrometheusRegistry()))) {
            HttpResponse<String> m = get(e, "/q/metrics");
            assertEquals(200, m.statusCode());
            assertTrue(m.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain; version=0.0.4"));
            assertTrue(m.body().contains("\n# TYPE egret_test_events_total counter\negret_test_events_total 3.0\n"), m.body());
            assertTrue(m.body().contains("\negret_test_labelled_total{verdict=\"deny\",workload=\"a\\\"b\"} 1.0\n"),
                    "label sets as Prometheus documents them, escaped, without a trailing comma: " + m.body());
            assertTrue(m.body().contains("\njvm_memory_used_bytes{area=\"heap\"} "), "the heap in use: " + m.body());
            assertTrue(m.body().contains("\n# TYPE process_cpu_seconds_total counter\n"), "the process's CPU: " + m.body());
            assertTrue(m.body().contains("\n# TYPE process_resident_memory_bytes gauge\n"), "its RSS: " + m.body());
            assertTrue(m.body().contains("\njvm_gc_collections_total{gc="), "the collector's work: " + m.body());
        }
    }

    @Test
    void unknownPathsAndWritesAreRefused() throws Exception {
        try (NodeEndpoints e = NodeEndpoints.start("127.0.0.1", 0, Map::of, Map::of, () -> "")) {
            assertEquals(404, get(e, "/q/nothing").statusCode());
            assertEquals(404, get(e, "/q/metrics/x").statusCode());
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri(e, "/q/health"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
        }
    }

    private static Map<String, Boolean> checks(Object... kv) {
        Map<String, Boolean> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Boolean) kv[i + 1]);
        }
        return m;
    }

    private HttpResponse<String> get(NodeEndpoints e, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(e, path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(NodeEndpoints e, String path) {
        return URI.create("http://127.0.0.1:" + e.port() + path);
    }
}
