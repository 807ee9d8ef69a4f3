package dev.egret.controller.events;

import dev.egret.audit.AuditEvent;
import dev.egret.audit.DependencyAggregator;
import dev.egret.audit.WorkloadDependencies;
import dev.egret.controller.ControllerMetrics;
import dev.egret.controller.store.AuditStore;
import dev.egret.controller.store.PolicyStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps the dependency aggregate of the stored events current (fed by the store, rebuilt after a prune) and renders it
 * against the policies of the moment; exports the count of circular dependencies per workload (bounded: see
 * {@link #updateGauges}).
 */
public final class DependencyService implements AuditStore.Listener {
    private final PolicyStore policies;
    private final MeterRegistry registry;
    /** The label value of the series that sums the workloads beyond {@code maxSeries}. */
    public static final String OTHER = "_other";
    /** Workloads with a series of their own, at most. */
    public static final int MAX_SERIES = 1000;

    private record Series(AtomicLong value, Gauge gauge) {
    }

    private final Map<String, Series> circular = new HashMap<>();
    private final int maxSeries;
    private DependencyAggregator aggregate = new DependencyAggregator();

    public DependencyService(AuditStore store, PolicyStore policies, MeterRegistry registry) {
        this(store, policies, registry, MAX_SERIES);
    }

    DependencyService(AuditStore store, PolicyStore policies, MeterRegistry registry, int maxSeries) {
        this.policies = policies;
        this.registry = registry;
        this.maxSeries = maxSeries;
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

    /**
     * Keeps one {@code egret_circular_dependencies{workload}} series per workload that has circular dependencies now,
     * removing a series when its count drops to 0 or its workload is gone. At most {@code maxSeries} workloads (those
     * with the most, then by name) get a series of their own; the rest are summed in one series labelled
     * {@value #OTHER} (always present, 0 when there are none, so the metric always exists), so the label's cardinality stays bounded whatever
     * names the nodes report. A workload really named {@value #OTHER} is counted in that series too.
     */
    void updateGauges(List<WorkloadDependencies> all) {
        synchronized (circular) { // not this: appends of audit events need not wait for the registry
            updateGaugesLocked(all);
        }
    }

    private void updateGaugesLocked(List<WorkloadDependencies> all) {
        List<WorkloadDependencies> circularOnes = all.stream().filter(w -> w.circularCount() > 0)
                .sorted(Comparator.comparingLong(WorkloadDependencies::circularCount).reversed()
                        .thenComparing(WorkloadDependencies::workload))
                .toList();
        Map<String, Long> wanted = new HashMap<>();
        long other = 0;
        for (WorkloadDependencies w : circularOnes) {
            if (wanted.size() < maxSeries && !w.workload().equals(OTHER)) {
                wanted.merge(w.workload(), w.circularCount(), Long::sum);
            } else {
                other += w.circularCount();
            }
        }
        wanted.put(OTHER, other); // always there (0 when none): the metric exists for rules and dashboards
        for (var it = circular.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!wanted.containsKey(e.getKey())) {
                registry.remove(e.getValue().gauge());
                it.remove();
            }
        }
        wanted.forEach((w, n) -> circular.computeIfAbsent(w, this::register).value().set(n));
    }

    private Series register(String workload) {
        AtomicLong v = new AtomicLong();
        Gauge g = Gauge.builder(ControllerMetrics.CIRCULAR, v, AtomicLong::get).tag("workload", workload)
                .description("Destinations of the workload that its policy protects (circular dependencies)")
                .register(registry);
        return new Series(v, g);
    }
}
