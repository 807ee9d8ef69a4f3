package dev.egret.controller.events;

import dev.egret.audit.AuditEvent;
import dev.egret.controller.ControllerMetrics;
import dev.egret.controller.store.AuditRetention;
import dev.egret.controller.store.FileAuditStore;
import dev.egret.controller.store.FilePolicyStore;
import dev.egret.policy.PolicyCodec;
import dev.egret.policy.Verdict;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DependencyServiceTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(T0.plusSeconds(60), ZoneOffset.UTC);

    private static String policy(boolean protecting) {
        return """
                {"apiVersion":"egret.dev/v1","kind":"EgressPolicy","metadata":{"name":"p"},
                 "spec":{"mode":"audit","egress":[{"toFQDNs":[{"matchName":"registry.example.com"}]}]%s}}"""
                .formatted(protecting ? ",\"protects\":[\"*.github.com\"]" : "");
    }

    private static AuditEvent call(String workload, String name, int second) {
        return new AuditEvent(workload + "/" + name, T0.plusSeconds(second), null, 1, "node-a", workload, "p", 1, 2,
                "curl", AuditEvent.Kind.CONNECT, name, null, name.endsWith("github.com") ? "140.82.112.3" : "192.0.2.7", 443, "tcp", Verdict.AUDIT_DENY,
                "default-deny", "r");
    }

    /** The circular-dependency series: workload label to value. */
    private static Map<String, Double> series(SimpleMeterRegistry registry) {
        Map<String, Double> out = new TreeMap<>();
        for (Gauge g : registry.find(ControllerMetrics.CIRCULAR).gauges()) {
            out.put(g.getId().getTag("workload"), g.value());
        }
        return out;
    }

    @Test
    void onlyWorkloadsWithCircularDependenciesHaveASeriesAndTheirNumberIsCapped(@TempDir Path dir) {
        FilePolicyStore policies = new FilePolicyStore(dir.resolve("policies"), CLOCK);
        policies.put(PolicyCodec.parseJson(policy(true)), null, "alice");
        FileAuditStore audit = new FileAuditStore(dir.resolve("audit"),
                new AuditRetention(1_000_000, Duration.ofDays(30), 100), CLOCK);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DependencyService service = new DependencyService(audit, policies, registry, 2);

        List<AuditEvent> events = new ArrayList<>();
        events.add(call("w-three", "a.github.com", 0));
        events.add(call("w-three", "b.github.com", 1));
        events.add(call("w-three", "c.github.com", 2));
        events.add(call("w-two", "a.github.com", 3));
        events.add(call("w-two", "b.github.com", 4));
        events.add(call("w-one", "a.github.com", 5));
        events.add(call("w-also-one", "b.github.com", 6));
        events.add(call("w-none", "registry.example.com", 7));
        audit.append(events);
        service.refreshMetrics();
        assertEquals(Map.of("w-three", 3.0, "w-two", 2.0, DependencyService.OTHER, 2.0), series(registry),
                "no series for w-none; beyond the cap of 2 the rest are summed in _other");

        policies.put(PolicyCodec.parseJson(policy(false)), null, "alice");
        service.refreshMetrics();
        assertEquals(Map.of(DependencyService.OTHER, 0.0), series(registry), "no circular dependency left, no series left but _other at 0");

        policies.put(PolicyCodec.parseJson(policy(true)), null, "alice");
        service.refreshMetrics();
        assertEquals(3, series(registry).size(), "two of their own and _other");
        audit.prune(T0.plus(Duration.ofDays(31)));
        service.refreshMetrics();
        assertEquals(Map.of(DependencyService.OTHER, 0.0), series(registry), "the workloads are gone with their events, so are their series");
    }
}
