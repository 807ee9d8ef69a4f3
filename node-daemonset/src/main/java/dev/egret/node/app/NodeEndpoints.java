package dev.egret.node.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The agent's HTTP endpoints, for probes and Prometheus only: {@code /q/health} (all checks), {@code /q/health/live},
 * {@code /q/health/ready} (200 when every check is up, else 503, with a MicroProfile Health JSON body) and
 * {@code /q/metrics} (Prometheus text). GET and HEAD only.
 */
public final class NodeEndpoints implements AutoCloseable {
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService thread;

    private NodeEndpoints(HttpServer server, ExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    /** Listens on host:port (port 0: a free one) and serves until closed. */
    public static NodeEndpoints start(String host, int port, Supplier<Map<String, Boolean>> liveness,
                                      Supplier<Map<String, Boolean>> readiness, Supplier<String> metrics) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
        server.createContext("/q/health", ex -> {
            switch (ex.getRequestURI().getPath()) {
                case "/q/health", "/q/health/" -> health(ex, () -> {
                    Map<String, Boolean> all = new LinkedHashMap<>(liveness.get());
                    all.putAll(readiness.get());
                    return all;
                });
                case "/q/health/live" -> health(ex, liveness);
                case "/q/health/ready" -> health(ex, readiness);
                default -> reply(ex, 404, "text/plain", "not found\n");
            }
        });
        server.createContext("/q/metrics", ex -> {
            if (!ex.getRequestURI().getPath().equals("/q/metrics")) {
                reply(ex, 404, "text/plain", "not found\n");
            } else {
                String text;
                try {
                    text = metrics.get();
                } catch (RuntimeException e) {
                    reply(ex, 500, "text/plain", "cannot scrape: " + e + "\n");
                    return;
                }
                reply(ex, 200, PROMETHEUS_TEXT, text);
            }
        });
        server.createContext("/", ex -> reply(ex, 404, "text/plain", "not found\n"));
        // a virtual thread per exchange: a slow scraper or a stalled client never holds up the probes, and one that
        // stalls is cut off (NodeMain sets the JDK server's request and response time limits)
        ExecutorService thread = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("egret-http-", 0).factory());
        server.setExecutor(thread);
        server.start();
        return new NodeEndpoints(server, thread);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** MicroProfile Health's shape: {"status":"UP","checks":[{"name":"datapath","status":"UP"},...]}. */
    static String healthJson(Map<String, Boolean> checks) {
        boolean up = checks.values().stream().allMatch(b -> b);
        StringBuilder b = new StringBuilder("{\"status\":\"").append(up ? "UP" : "DOWN").append("\",\"checks\":[");
        String sep = "";
        for (var c : checks.entrySet()) {
            b.append(sep).append("{\"name\":\"").append(c.getKey()).append("\",\"status\":\"")
                    .append(c.getValue() ? "UP" : "DOWN").append("\"}");
            sep = ",";
        }
        return b.append("]}").toString();
    }

    private static void health(HttpExchange ex, Supplier<Map<String, Boolean>> check) throws IOException {
        String body;
        boolean up;
        try {
            Map<String, Boolean> checks = check.get();
            body = healthJson(checks);
            up = checks.values().stream().allMatch(b -> b);
        } catch (RuntimeException e) { // a check that throws is a check that is down
            body = "{\"status\":\"DOWN\",\"checks\":[],\"error\":\"" + e.getClass().getSimpleName() + "\"}";
            up = false;
        }
        reply(ex, up ? 200 : 503, "application/json", body);
    }

    private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            if (method.equals("HEAD")) {
                ex.sendResponseHeaders(status, -1);
                return;
            }
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }
}
