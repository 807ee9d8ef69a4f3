package dev.egret.controller;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Starts the packaged controller, writes policies, kills it with SIGKILL, restarts it: every acknowledged write is there. */
class ControllerCrashIT {

    @Test
    void acknowledgedWritesSurviveSigkill(@TempDir Path data) throws Exception {
        try (ControllerProcess controller = new ControllerProcess(data).start()) {
            String token = controller.adminToken();
            Map<String, Long> acked = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = Thread.ofPlatform().start(() -> {
                for (int i = 0; !stop.get(); i++) {
                    String name = "crash-" + i;
                    try {
                        HttpResponse<String> r = put(controller, token, name, 1000 + i);
                        if (r.statusCode() == 201) {
                            acked.put(name, Long.parseLong(r.headers().firstValue("ETag").orElseThrow().replace("\"", "")));
                        }
                    } catch (IOException | InterruptedException e) {
                        return; // the controller died mid-request: that write was never acknowledged
                    }
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (acked.size() < 50 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            controller.kill(); // SIGKILL while the writer is still writing
            stop.set(true);
            writer.join();
            assertTrue(acked.size() >= 50, "writes were acknowledged before the kill: " + acked.size());

            controller.start();
            for (Map.Entry<String, Long> e : acked.entrySet()) {
                HttpResponse<String> r = controller.get("/api/v1/policies/" + e.getKey(), token);
                assertEquals(200, r.statusCode(), e.getKey() + " was acknowledged and must survive");
                assertEquals("\"" + e.getValue() + "\"", r.headers().firstValue("ETag").orElseThrow());
                int i = Integer.parseInt(e.getKey().substring("crash-".length()));
                assertTrue(r.body().contains("\"port\":" + (1000 + i)), r.body());
            }
            String changes = controller.get("/api/v1/changes", token).body();
            for (String name : acked.keySet()) {
                assertTrue(changes.contains("\"name\":\"" + name + "\""), "change log lists " + name);
            }
            HttpResponse<String> after = put(controller, token, "after-restart", 2000);
            assertEquals(201, after.statusCode(), "the store accepts writes after the crash: " + after.body());
        }
    }

    private static HttpResponse<String> put(ControllerProcess c, String token, String name, int policyPort)
            throws IOException, InterruptedException {
        String body = """
                {"apiVersion":"egret.dev/v1","kind":"EgressPolicy","metadata":{"name":"%s"},
                 "spec":{"egress":[{"toCIDR":["192.0.2.0/24"],"toPorts":[{"port":%d}]}]}}""".formatted(name, policyPort);
        return c.send("PUT", "/api/v1/policies/" + name, token, "application/json", body);
    }
}
