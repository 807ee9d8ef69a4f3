package dev.egret.controller;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged controller (target/quarkus-app) as a separate process on a loopback port, and HTTP calls to it. */
public final class ControllerProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final Path data;
    private final int port;
    private final List<String> properties;
    private final Path log;
    private Process process;

    public ControllerProcess(Path data, String... properties) throws IOException {
        this.data = data;
        this.port = freePort();
        this.properties = List.of(properties);
        this.log = data.resolveSibling(data.getFileName() + ".log");
    }

    /** Starts it and waits until it is ready. */
    public ControllerProcess start() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of(java, "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1",
                "-Degret.data-dir=" + data));
        properties.forEach(p -> cmd.add("-D" + p));
        cmd.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("EGRET_TOKENS_FILE");
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        process = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (get("/q/health/ready", null).statusCode() == 200) {
                    return this;
                }
            } catch (IOException e) {
                Thread.sleep(200);
            }
            assertTrue(process.isAlive(), "controller exited during start-up, see " + log);
        }
        throw new AssertionError("controller did not become ready, see " + log);
    }

    /** SIGKILL, and wait for it to be gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }

    public int port() {
        return port;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public String adminToken() throws IOException {
        return Files.readString(data.resolve("admin.token")).strip();
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    public HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> send(String method, String path, String token, String contentType, String body)
            throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).header("Content-Type", contentType)
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
