package dev.egret.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nodes post audit batches while the packaged controller is killed with SIGKILL: after a restart every acknowledged
 * event is there once, a re-sent batch is all duplicates, and node registrations are back.
 */
class AuditCrashIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 50;

    static String batch(String prefix, int n) {
        StringBuilder sb = new StringBuilder("[");
        Instant t = Instant.now();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append("""
                    {"id":"%s-%d","time":"%s","node":"node-%s","workload":"egret/crash","policy":"deploy",\
                    "kind":"connect","name":"api.example.com","address":"192.0.2.1","port":443,"protocol":"tcp",\
                    "verdict":"%s","rule":"default-deny","reason":"crash test"}""".formatted(prefix, i, t.plusNanos(i),
                    prefix.substring(0, 1), i % 4 == 0 ? "deny" : "allow"));
        }
        return sb.append(']').toString();
    }

    /** Every event id the controller holds, read page by page. */
    static Set<String> storedIds(ControllerProcess c, String token) throws Exception {
        Set<String> ids = new HashSet<>();
        String cont = null;
        do {
            HttpResponse<String> r = c.get("/api/v1/audit?limit=1000" + (cont == null ? "" : "&continue=" + cont), token);
            assertEquals(200, r.statusCode(), r.body());
            JsonNode page = JSON.readTree(r.body());
            for (JsonNode item : page.get("items")) {
                assertTrue(ids.add(item.get("id").asText()), "stored once: " + item.get("id"));
            }
            cont = page.path("metadata").path("continue").asText(null);
        } while (cont != null);
        return ids;
    }

    @Test
    void acknowledgedEventsSurviveSigkill(@TempDir Path data) throws Exception {
        try (ControllerProcess controller = new ControllerProcess(data, "egret.audit.segment-events=500").start()) {
            String token = controller.adminToken();
            assertEquals(200, controller.send("PUT", "/api/v1/nodes/node-a", token, "application/json",
                    "{\"version\":\"0.1.0\",\"appliedResourceVersion\":\"3\",\"ready\":true}").statusCode());

            Set<String> acked = ConcurrentHashMap.newKeySet();
            List<String> ackedBatches = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (String node : List.of("a", "b")) {
                writers.add(Thread.ofPlatform().start(() -> {
                    for (int b = 0; !stop.get(); b++) {
                        String prefix = node + b;
                        String body = batch(prefix, BATCH);
                        try {
                            HttpResponse<String> r = controller.send("POST", "/api/v1/events", token,
                                    "application/json", body);
                            if (r.statusCode() == 200) {
                                assertEquals(BATCH, JSON.readTree(r.body()).get("accepted").asInt(), r.body());
                                for (int i = 0; i < BATCH; i++) {
                                    acked.add(prefix + "-" + i);
                                }
                                synchronized (ackedBatches) {
                                    ackedBatches.add(body);
                                }
                            }
                        } catch (IOException | InterruptedException e) {
                            return; // the controller died mid-request: never acknowledged
                        }
                    }
                }));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (acked.size() < 3000 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            controller.kill(); // SIGKILL while both writers are posting
            stop.set(true);
            for (Thread w : writers) {
                w.join();
            }
            assertTrue(acked.size() >= 3000, "events acknowledged before the kill: " + acked.size());

            controller.start();
            Set<String> stored = storedIds(controller, token);
            Set<String> lost = new HashSet<>(acked);
            lost.removeAll(stored);
            assertTrue(lost.isEmpty(), lost.size() + " acknowledged events lost, e.g. " + lost.stream().limit(5).toList());
            System.out.printf("audit crash IT: %d acknowledged, %d stored after SIGKILL and restart%n", acked.size(),
                    stored.size());

            HttpResponse<String> again = controller.send("POST", "/api/v1/events", token, "application/json",
                    ackedBatches.getFirst());
            assertEquals("{\"accepted\":0,\"duplicates\":" + BATCH + "}", again.body(), "a re-sent batch is known");
            HttpResponse<String> fresh = controller.send("POST", "/api/v1/events", token, "application/json",
                    batch("z", 10));
            assertEquals("{\"accepted\":10,\"duplicates\":0}", fresh.body(), "the store takes appends after the crash");

            String nodes = controller.get("/api/v1/nodes", token).body();
            assertTrue(nodes.contains("\"name\":\"node-a\"") && nodes.contains("\"appliedResourceVersion\":\"3\""), nodes);
            assertFalse(controller.log().contains("kafka-consumer"), "the default transport needs no broker");
        }
    }
}
