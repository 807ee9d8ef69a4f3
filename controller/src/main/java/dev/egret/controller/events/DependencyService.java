package dev.egret.controller.events;

import dev.egret.audit.AuditEvent;
import dev.egret.audit.DependencyAggregator;
import dev.egret.audit.WorkloadDependencies;
import dev.egret.controller.ControllerMetrics;
import dev.egret.controller.store.AuditStore;
import dev.egret.controller.store.PolicyStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps the dependency aggregate of the stored events current (fed by the store, rebuilt after a prune) and renders it
 * against the policies of the moment; exports the count of circular dependencies per workload.
 */
public final class DependencyService implements AuditStore.Listener {
    private final PolicyStore policies;
    private final MeterRegistry registry;
    private final Map<String, AtomicLong> circular = new ConcurrentHashMap<>();
    private DependencyAggregator aggregate = new DependencyAggregator();

    public DependencyService(AuditStore store, PolicyStore policies, MeterRegistry registry) {
        this.policies = policies;
        this.registry = registry;
        store.subscribe(this);
    }

    @Override
    public synchronized void appended(List<AuditEvent> events) {
        aggregate.addAll(events);
    }

    @Override
    public synchronized void replaced(List<AuditEvent> all) {
        aggregate = new DependencyAggregator();
        aggregate.addAll(all);
    }

    /** Every workload's dependencies, or one workload's; refreshes the circular-dependency gauges. */
    public List<WorkloadDependencies> view(String workload) {
        List<WorkloadDependencies> all;
        synchronized (this) {
            all = aggregate.view(name -> policies.get(name).orElse(null), null);
        }
        updateGauges(all);
        return workload == null ? all : all.stream().filter(w -> w.workload().equals(workload)).toList();
    }

    /** Recomputes the gauges (the maintenance tick calls this). */
    public void refreshMetrics() {
        view(null);
    }

    private void updateGauges(List<WorkloadDependencies> all) {
        Map<String, Long> now = new java.util.HashMap<>();
        all.forEach(w -> now.put(w.workload(), w.circularCount()));
        now.forEach((w, n) -> circular.computeIfAbsent(w, k -> {
            AtomicLong v = new AtomicLong();
            Gauge.builder(ControllerMetrics.CIRCULAR, v, AtomicLong::get).tag("workload", k)
                    .description("Destinations of the workload that its policy protects (circular dependencies)")
                    .register(registry);
            return v;
        }).set(n));
        circular.forEach((w, v) -> {
            if (!now.containsKey(w)) {
                v.set(0);
            }
        });
    }
}
