package dev.egret.node.agent;

import dev.egret.node.cgroup.CgroupMounts;
import dev.egret.node.cgroup.CgroupStats;
import dev.egret.node.datapath.Counters;
import dev.egret.node.datapath.KernelContract;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every metric the node exports, in one place. Labels are bounded: workload (a policed cgroup's path), verdict,
 * protocol, map name; never addresses or DNS names.
 */
@ApplicationScoped
public class NodeMetrics {
    public static final String CONNECTIONS = "egret_connections";           // _total
    public static final String EGRESS_BYTES = "egret_egress_bytes";         // _total
    public static final String EGRESS_PACKETS = "egret_egress_packets";     // _total
    public static final String MEMORY = "egret_cgroup_memory_bytes";
    public static final String MEMORY_LIMIT = "egret_cgroup_memory_limit_bytes";
    public static final String CPU = "egret_cgroup_cpu_seconds";            // _total
    public static final String PIDS = "egret_cgroup_pids";
    public static final String MAP_ENTRIES = "egret_bpf_map_entries";
    public static final String MAP_CAPACITY = "egret_bpf_map_capacity";
    public static final String EVENTS_LOST = "egret_events_lost";           // _total
    public static final String RECONCILE_FAILURES = "egret_reconcile_failures"; // _total

    @Inject
    MeterRegistry registry;

    private NodeAgent agent;
    private CgroupMounts mounts;
    private final Map<String, List<Meter>> perWorkload = new HashMap<>();
    private volatile Map<String, long[]> mapUsage = Map.of();

    void bind(NodeAgent agent) {
        this.agent = agent;
        this.mounts = CgroupMounts.fromProc();
        FunctionCounter.builder(EVENTS_LOST, agent, a -> a.datapath().eventsLost())
                .description("Events the kernel could not put on the ring buffer").register(registry);
        for (String map : List.of(KernelContract.MAP_WORKLOADS, KernelContract.MAP_ALLOW4, KernelContract.MAP_DENY4,
                KernelContract.MAP_ALLOW6, KernelContract.MAP_DENY6, KernelContract.MAP_LEARNED, KernelContract.MAP_COUNTERS)) {
            Gauge.builder(MAP_ENTRIES, this, m -> m.usage(map)[0]).tag("map", map)
                    .description("Entries in a BPF map").register(registry);
            Gauge.builder(MAP_CAPACITY, this, m -> m.usage(map)[1]).tag("map", map)
                    .description("max_entries of a BPF map").register(registry);
        }
    }

    private long[] usage(String map) {
        return mapUsage.getOrDefault(map, new long[]{0, 0});
    }

    /** Refreshes map usage and the per-workload meters; called by the datapath thread after a reconcile. */
    void refresh(Map<Long, String> workloads) {
        mapUsage = agent.datapath().usage();
        Map<String, Long> byName = new HashMap<>();
        workloads.forEach((id, name) -> byName.put(name, id));
        for (var it = perWorkload.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!byName.containsKey(e.getKey())) {
                e.getValue().forEach(registry::remove);
                it.remove();
            }
        }
        byName.forEach((name, id) -> perWorkload.computeIfAbsent(name, n -> register(n, id)));
    }

    private List<Meter> register(String workload, long cgroupId) {
        Tags tags = Tags.of("workload", workload);
        List<Meter> meters = new ArrayList<>();
        meters.add(FunctionCounter.builder(EGRESS_BYTES, this, m -> m.counters(cgroupId).egressBytes()).tags(tags)
                .description("Bytes a workload sent").register(registry));
        meters.add(FunctionCounter.builder(EGRESS_PACKETS, this, m -> m.counters(cgroupId).egressPackets()).tags(tags)
                .description("Packets a workload sent").register(registry));
        meters.add(Gauge.builder(MEMORY, this, m -> CgroupStats.read(m.mounts, workload).memoryBytes()).tags(tags)
                .description("Memory used by a workload's cgroup").register(registry));
        meters.add(Gauge.builder(MEMORY_LIMIT, this, m -> CgroupStats.read(m.mounts, workload).memoryLimitBytes()).tags(tags)
                .description("Memory limit of a workload's cgroup (-1: none)").register(registry));
        meters.add(FunctionCounter.builder(CPU, this, m -> Math.max(0, CgroupStats.read(m.mounts, workload).cpuSeconds()))
                .tags(tags).description("CPU time used by a workload's cgroup").register(registry));
        meters.add(Gauge.builder(PIDS, this, m -> CgroupStats.read(m.mounts, workload).pids()).tags(tags)
                .description("Tasks in a workload's cgroup").register(registry));
        return meters;
    }

    private Counters counters(long cgroupId) {
        return agent.datapath() == null ? Counters.ZERO : agent.datapath().counters(cgroupId);
    }

    void connection(String workload, String verdict, String protocol) {
        Counter.builder(CONNECTIONS).tags("workload", workload, "verdict", verdict, "protocol", protocol)
                .description("Outbound connection attempts by verdict").register(registry).increment();
    }

    void reconcileFailed() {
        Counter.builder(RECONCILE_FAILURES).description("Reconcile passes that failed").register(registry).increment();
    }
}
