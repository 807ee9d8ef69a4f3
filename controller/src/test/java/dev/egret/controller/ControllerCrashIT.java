package dev.egret.controller;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Starts the packaged controller, writes policies, kills it with SIGKILL, restarts it: every acknowledged write is there. */
class ControllerCrashIT {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process controller;

    @AfterEach
    void stop() {
        if (controller != null) {
            controller.destroyForcibly();
        }
    }

    @Test
    void acknowledgedWritesSurviveSigkill(@TempDir Path data) throws Exception {
        int port = freePort();
        controller = start(data, port);
        String token = Files.readString(data.resolve("admin.token")).strip();

        Map<String, Long> acked = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = Thread.ofPlatform().start(() -> {
            for (int i = 0; !stop.get(); i++) {
                String name = "crash-" + i;
                try {
                    HttpResponse<String> r = put(port, token, name, 1000 + i);
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
        controller.destroyForcibly().waitFor(); // SIGKILL while the writer is still writing
        stop.set(true);
        writer.join();
        assertTrue(acked.size() >= 50, "writes were acknowledged before the kill: " + acked.size());

        controller = start(data, port);
        for (Map.Entry<String, Long> e : acked.entrySet()) {
            HttpResponse<String> r = get(port, token, "/api/v1/policies/" + e.getKey());
            assertEquals(200, r.statusCode(), e.getKey() + " was acknowledged and must survive");
            assertEquals("\"" + e.getValue() + "\"", r.headers().firstValue("ETag").orElseThrow());
            int i = Integer.parseInt(e.getKey().substring("crash-".length()));
            assertTrue(r.body().contains("\"port\":" + (1000 + i)), r.body());
        }
        String changes = get(port, token, "/api/v1/changes").body();
        for (String name : acked.keySet()) {
            assertTrue(changes.contains("\"name\":\"" + name + "\""), "change log lists " + name);
        }
        HttpResponse<String> after = put(port, token, "after-restart", 2000);
        assertEquals(201, after.statusCode(), "the store accepts writes after the crash: " + after.body());
    }

    private Process start(Path data, int port) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(java, "-Dquarkus.http.port=" + port, "-Degret.data-dir=" + data,
                "-jar", jar.toString());
        pb.environment().remove("EGRET_TOKENS_FILE");
        pb.redirectErrorStream(true).redirectOutput(data.resolveSibling(data.getFileName() + ".log").toFile());
        Process p = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return p;
                }
            } catch (IOException e) {
                Thread.sleep(200);
            }
            assertTrue(p.isAlive(), "controller exited during start-up");
        }
        throw new AssertionError("controller did not become ready");
    }

    private HttpResponse<String> put(int port, String token, String name, int policyPort) throws IOException, InterruptedException {
        String body = """
                {"apiVersion":"egret.dev/v1","kind":"EgressPolicy","metadata":{"name":"%s"},
                 "spec":{"egress":[{"toCIDR":["192.0.2.0/24"],"toPorts":[{"port":%d}]}]}}""".formatted(name, policyPort);
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/policies/" + name))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(int port, String token, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
