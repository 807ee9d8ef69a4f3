package dev.egret.controller;

import dev.egret.controller.events.DependencyService;
import dev.egret.controller.store.AuditStore;
import dev.egret.controller.store.FileNodeRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Every 10 s, on its own thread: audit retention by age, pending node heartbeats to disk, circular-dependency gauges. */
@ApplicationScoped
public class Maintenance {
    private static final Logger LOG = Logger.getLogger(Maintenance.class);
    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent ev, AuditStore audit, FileNodeRegistry nodes, DependencyService dependencies) {
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("egret-maintenance")
                .factory());
        timer.scheduleWithFixedDelay(() -> {
            try {
                audit.prune(Instant.now());
                nodes.flush();
                dependencies.refreshMetrics();
            } catch (RuntimeException e) {
                LOG.warnf("maintenance failed: %s", e.getMessage());
            }
        }, 0, 10, TimeUnit.SECONDS);
    }

    void stop(@Observes ShutdownEvent ev, FileNodeRegistry nodes) {
        if (timer != null) {
            timer.shutdownNow();
        }
        nodes.flush();
    }
}
