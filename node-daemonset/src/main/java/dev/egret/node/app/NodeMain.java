package dev.egret.node.app;

import dev.egret.node.agent.NodeAgent;
import dev.egret.node.agent.NodeConfig;
import dev.egret.node.agent.NodeHealth;
import dev.egret.node.agent.NodeMetrics;
import dev.egret.node.agent.Settings;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The node agent's process: reads its settings ({@code egret.node.*}, see {@link NodeConfig}), serves health and
 * metrics, runs the agent until SIGTERM. Exits 2 on bad settings, 1 when the agent cannot start (e.g. no BPF).
 * Plain Java: no application framework, so the agent that runs on every node stays small.
 */
public final class NodeMain {
    private NodeMain() {
    }

    /** The Prometheus registry with the process's own meters (memory, CPU, files, heap, collections): {@link ProcessMeters}. */
    static PrometheusMeterRegistry registry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ProcessMeters(Path.of("/proc/self")).bindTo(registry);
        return registry;
    }

    public static void main(String[] args) {
        // Netty pool chunks of 128 KiB, not 4 MiB: the agent's few Netty buffers (the DNS proxy's TCP connections)
        // would otherwise pin a 4 MiB chunk of native memory on every node
        if (System.getProperty("io.netty.allocator.maxOrder") == null) {
            System.setProperty("io.netty.allocator.maxOrder", "4");
        }
        // the JDK HTTP server's limits, in seconds: a client that stalls a request or its response is cut off
        System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime", "10"));
        System.setProperty("sun.net.httpserver.maxRspTime", System.getProperty("sun.net.httpserver.maxRspTime", "30"));
        NodeLogging.configure();
        Logger log = Logger.getLogger(NodeMain.class);
        NodeConfig config;
        try {
            config = new NodeConfig(Settings.fromEnvironment());
            NodeLogging.levels(config.logLevels());
        } catch (IllegalArgumentException e) {
            log.errorf("egret node: %s", e.getMessage());
            System.exit(2);
            return;
        }
        long started = System.nanoTime();
        PrometheusMeterRegistry registry = registry();
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)); // the DNS proxy's TCP server
        NodeAgent agent = new NodeAgent(config, new NodeMetrics(registry), vertx);
        NodeEndpoints http;
        try {
            NodeHealth health = new NodeHealth(agent);
            http = NodeEndpoints.start(config.httpHost(), config.httpPort(), health::liveness, health::readiness,
                    () -> PrometheusText.of(registry.getPrometheusRegistry()));
        } catch (IOException e) {
            log.errorf("egret node: cannot listen on %s:%d: %s", config.httpHost(), config.httpPort(), e.getMessage());
            System.exit(1);
            return;
        }
        // registered before the start, which may wait for the pod list: a SIGTERM then still journals what was folded;
        // the hook waits for a start in progress (the lock), so it never stops a half-started agent under its feet
        Object lifecycle = new Object();
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("egret-shutdown").unstarted(() -> {
            synchronized (lifecycle) {
                try {
                    agent.stop();
                } catch (RuntimeException e) { // after a failed start, or a part that would not stop: the rest still closes
                    log.warn("stopping the agent", e);
                }
            }
            http.close();
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.debugf("Vert.x did not close: %s", e);
            }
            log.info("egret node stopped; enforcement stays in force");
        }));
        try {
            synchronized (lifecycle) {
                agent.start();
            }
        } catch (Throwable e) { // also a missing libbpf.so.1 (an Error from its loader): exit, do not linger
            log.error("egret node: cannot start", e);
            System.exit(1);
            return;
        }
        log.infof("egret node started in %d ms; health and metrics on http://%s:%d/q/health and /q/metrics",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), config.httpHost(), http.port());
    }
}
