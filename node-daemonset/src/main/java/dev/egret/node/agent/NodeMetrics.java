package dev.egret.node.agent;

import dev.egret.node.audit.AuditJournal;
import dev.egret.node.cgroup.CgroupMounts;
import dev.egret.node.cgroup.CgroupStats;
import dev.egret.node.datapath.Counters;
import dev.egret.node.datapath.KernelContract;
import dev.egret.node.datapath.LearnedSweeper;
import dev.egret.node.dns.DnsMetrics;
import dev.egret.policy.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Every metric the node exports, in one place. Labels are bounded: workload (a policed cgroup's path), verdict,
 * protocol, map name; never addresses or DNS names.
 */
public final class NodeMetrics implements DnsMetrics {
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
    public static final String DNS_QUERIES = "egret_dns_queries";             // _total
    public static final String DNS_ERRORS = "egret_dns_errors";               // _total
    public static final String DNS_CLIENT_LOOKUPS = "egret_dns_client_lookups"; // _total
    public static final String DNS_UPSTREAM = "egret_dns_upstream_duration";  // _seconds
    public static final String DNS_DATAPATH_WAIT = "egret_dns_datapath_wait"; // _seconds
    public static final String FQDN_LEARNED = "egret_fqdn_learned_ips";
    public static final String FQDN_LEARNED_EXPIRED = "egret_fqdn_learned_expired";  // _total
    public static final String SYNC_LAG = "egret_policy_sync_lag";            // _seconds
    public static final String APPLIED_VERSION = "egret_policy_applied_resource_version";
    public static final String CONTROLLER_REACHABLE = "egret_controller_reachable";
    public static final String JOURNAL_EVENTS = "egret_audit_journal_events";
    public static final String JOURNAL_BYTES = "egret_audit_journal_bytes";
    public static final String JOURNAL_DROPPED = "egret_audit_journal_dropped"; // _total
    public static final String AUDIT_DELIVERED = "egret_audit_delivered";       // _total
    public static final String AUDIT_RECEIVER_UP = "egret_audit_receiver_reachable";
    public static final String AUDIT_LOST = "egret_audit_channel_lost";         // _total

    private final MeterRegistry registry;

    private NodeAgent agent;
    private CgroupMounts mounts;
    private final Map<String, List<Meter>> perWorkload = new HashMap<>();
    private volatile Map<String, long[]> mapUsage = Map.of();
    /** Learned IPs in force per bound cgroup id, as the last sweep found them. */
    private volatile Map<Long, Long> learned = Map.of();

    public NodeMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void bind(NodeAgent agent) {
        this.agent = agent;
        this.mounts = CgroupMounts.fromProc();
        // counters that alerts rate() over exist from the start, at zero
        DnsMetrics.ERROR_REASONS.forEach(r -> Counter.builder(DNS_ERRORS).tag("reason", r)
                .description("DNS proxy errors by reason").register(registry));
        Counter.builder(RECONCILE_FAILURES).description("Reconcile passes that failed").register(registry);
        learnedExpired();
        Counter.builder(AUDIT_LOST).description("Audit events lost before the journal (the queue to its thread was full)")
                .register(registry);
        FunctionCounter.builder(EVENTS_LOST, agent, a -> a.datapath().eventsLost())
                .description("Events the kernel could not put on the ring buffer").register(registry);
        FunctionCounter.builder(DNS_CLIENT_LOOKUPS, agent, a -> a.datapath() == null ? 0 : a.datapath().dnsClientLookups()[0])
                .tag("source", "shared_memory").description("DNS queries attributed to their sender, by where the kernel's record was read")
                .register(registry);
        FunctionCounter.builder(DNS_CLIENT_LOOKUPS, agent, a -> a.datapath() == null ? 0 : a.datapath().dnsClientLookups()[1])
                .tag("source", "map").description("DNS queries attributed to their sender, by where the kernel's record was read")
                .register(registry);
        for (String map : List.of(KernelContract.MAP_WORKLOADS, KernelContract.MAP_ALLOW4, KernelContract.MAP_DENY4,
                KernelContract.MAP_ALLOW6, KernelContract.MAP_DENY6, KernelContract.MAP_LEARNED, KernelContract.MAP_COUNTERS)) {
            Gauge.builder(MAP_ENTRIES, this, m -> m.usage(map)[0]).tag("map", map)
                    .description("Entries in a BPF map").register(registry);
            Gauge.builder(MAP_CAPACITY, this, m -> m.usage(map)[1]).tag("map", map)
                    .description("Entries a BPF map takes: its max_entries, or the agent's lower cap for the learned map").register(registry);
        }
    }

    void bindLink(ControllerLink link) {
        Gauge.builder(CONTROLLER_REACHABLE, link, l -> l.reachable() ? 1 : 0)
                .description("1 while the controller answers the policy watch").register(registry);
        Gauge.builder(APPLIED_VERSION, link, ControllerLink::appliedVersion)
                .description("The controller resourceVersion in force on this node").register(registry);
    }

    void syncLag(Duration lag) {
        Timer.builder(SYNC_LAG).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5))
                .description("Time from a policy write at the controller to its enforcement on this node")
                .register(registry).record(lag.isNegative() ? Duration.ZERO : lag);
    }

    void bindJournal(AuditJournal journal) {
        Gauge.builder(JOURNAL_EVENTS, journal, j -> j.pending())
                .description("Audit events journaled and not yet delivered").register(registry);
        Gauge.builder(JOURNAL_BYTES, journal, j -> j.bytes()).baseUnit("bytes")
                .description("Size of the audit journal on disk").register(registry);
        FunctionCounter.builder(JOURNAL_DROPPED, journal, j -> j.dropped())
                .description("Undelivered audit events the journal's bound forced out").register(registry);
    }

    void auditDelivered(int events) {
        Counter.builder(AUDIT_DELIVERED).description("Audit events delivered to the controller or Kafka")
                .register(registry).increment(events);
    }

    void auditReceiverUp(boolean up) {
        receiverUp = up ? 1 : 0;
        if (receiverGauge.compareAndSet(false, true)) {
            Gauge.builder(AUDIT_RECEIVER_UP, this, m -> m.receiverUp)
                    .description("1 while the audit receiver (controller or Kafka) accepts deliveries").register(registry);
        }
    }

    void auditLost(int events) {
        Counter.builder(AUDIT_LOST).description("Audit events lost before the journal (the queue to its thread was full)")
                .register(registry).increment(events);
    }

    private static final long MAP_SCAN_INTERVAL_NANOS = 10_000_000_000L;
    private long lastMapScan = System.nanoTime() - MAP_SCAN_INTERVAL_NANOS;
    private volatile int receiverUp = 1;
    private final AtomicBoolean receiverGauge = new AtomicBoolean();

    private long[] usage(String map) {
        return mapUsage.getOrDefault(map, new long[]{0, 0});
    }

    /**
     * Refreshes map usage and the per-workload meters; called by the planner thread after a reconcile. Counting map
     * entries walks every key (one syscall each: tens of thousands with big allow lists), so it runs when the
     * reconcile changed the kernel and otherwise at most every {@link #MAP_SCAN_INTERVAL_NANOS}.
     */
    void refresh(Map<Long, String> workloads, Map<String, String> cgroupPaths, boolean kernelChanged) {
        long now = System.nanoTime();
        if (kernelChanged || now - lastMapScan >= MAP_SCAN_INTERVAL_NANOS) {
            lastMapScan = now;
            mapUsage = agent.datapath().usage();
        }
        Map<String, Long> byName = new HashMap<>();
        workloads.forEach((id, name) -> byName.put(name, id));
        for (var it = perWorkload.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!byName.containsKey(e.getKey())) {
                e.getValue().forEach(registry::remove);
                it.remove();
            }
        }
        // per-event counters of workloads that are gone (pods come and go: series must not pile up); the caches of
        // them last, so an event racing this pass caches a counter that is removed with its cache
        hotCounters.entrySet().removeIf(e -> {
            String workload = e.getKey().substring(0, e.getKey().indexOf('\n'));
            boolean gone = !byName.containsKey(workload) && !workload.equals(UNKNOWN_WORKLOAD);
            if (gone) {
                registry.remove(e.getValue());
            }
            return gone;
        });
        dnsQueries.keySet().removeIf(w -> !byName.containsKey(w) && !w.equals(UNKNOWN_WORKLOAD));
        connectionCounters.keySet().removeIf(w -> !byName.containsKey(w) && !w.equals(UNKNOWN_WORKLOAD));
        byName.forEach((name, id) -> perWorkload.computeIfAbsent(name, n -> register(n, id, cgroupPaths.getOrDefault(n, n))));
    }

    /** @param path the workload's cgroup relative to the cgroup2 root (its name, unless it is a pod) */
    private List<Meter> register(String workload, long cgroupId, String path) {
        Tags tags = Tags.of("workload", workload);
        List<Meter> meters = new ArrayList<>();
        for (String verdict : List.of("allow", "deny", "audit-deny")) {
            for (String protocol : List.of("tcp", "udp")) {
                meters.add(Counter.builder(CONNECTIONS).tags(tags).tags("verdict", verdict, "protocol", protocol)
                        .description("Outbound connection attempts by verdict").register(registry));
            }
        }
        meters.add(FunctionCounter.builder(EGRESS_BYTES, this, m -> m.counters(cgroupId).egressBytes()).tags(tags)
                .description("Bytes a workload sent").register(registry));
        meters.add(FunctionCounter.builder(EGRESS_PACKETS, this, m -> m.counters(cgroupId).egressPackets()).tags(tags)
                .description("Packets a workload sent").register(registry));
        meters.add(Gauge.builder(MEMORY, this, m -> CgroupStats.read(m.mounts, path).memoryBytes()).tags(tags)
                .description("Memory used by a workload's cgroup").register(registry));
        meters.add(Gauge.builder(MEMORY_LIMIT, this, m -> CgroupStats.read(m.mounts, path).memoryLimitBytes()).tags(tags)
                .description("Memory limit of a workload's cgroup (-1: none)").register(registry));
        meters.add(FunctionCounter.builder(CPU, this, m -> Math.max(0, CgroupStats.read(m.mounts, path).cpuSeconds()))
                .tags(tags).description("CPU time used by a workload's cgroup").register(registry));
        meters.add(Gauge.builder(PIDS, this, m -> CgroupStats.read(m.mounts, path).pids()).tags(tags)
                .description("Tasks in a workload's cgroup").register(registry));
        meters.add(Gauge.builder(FQDN_LEARNED, this, m -> m.learned.getOrDefault(cgroupId, 0L)).tags(tags)
                .description("Addresses a workload learned from its allowed DNS answers and may reach now")
                .register(registry));
        return meters;
    }

    private Counters counters(long cgroupId) {
        return agent.datapath() == null ? Counters.ZERO : agent.datapath().counters(cgroupId);
    }

    /**
     * On every kernel event: the counter is looked up by workload, protocol and verdict in {@link #connectionCounters}
     * (no key built per event), and registered once in {@link #hotCounters}.
     */
    void connection(String workload, Verdict verdict, String protocol) {
        Map<String, Counter[]> byProtocol = connectionCounters.get(workload);
        if (byProtocol == null) {
            byProtocol = connectionCounters.computeIfAbsent(workload, w -> new ConcurrentHashMap<>());
        }
        Counter[] byVerdict = byProtocol.get(protocol);
        if (byVerdict == null) {
            byVerdict = byProtocol.computeIfAbsent(protocol, p -> new Counter[Verdict.values().length]);
        }
        Counter c = byVerdict[verdict.ordinal()];
        if (c == null) {
            String v = verdict.wireName();
            c = hotCounters.computeIfAbsent(workload + "\n" + CONNECTIONS + "\n" + v + "\n" + protocol, k -> Counter
                    .builder(CONNECTIONS).tags("workload", workload, "verdict", v, "protocol", protocol)
                    .description("Outbound connection attempts by verdict").register(registry));
            byVerdict[verdict.ordinal()] = c;
        }
        c.increment();
    }

    private final Map<String, Map<String, Counter[]>> connectionCounters = new ConcurrentHashMap<>();

    @Override
    public void query(String workload, Verdict verdict) {
        Counter[] byVerdict = dnsQueries.get(workload); // no key built per query: this runs for every DNS answer
        if (byVerdict == null) {
            byVerdict = dnsQueries.computeIfAbsent(workload, w -> new Counter[Verdict.values().length]);
        }
        Counter c = byVerdict[verdict.ordinal()];
        if (c == null) {
            c = hotCounters.computeIfAbsent(workload + "\n" + DNS_QUERIES + "\n" + verdict.wireName(), k -> Counter.builder(DNS_QUERIES)
                    .tags("workload", workload, "verdict", verdict.wireName())
                    .description("DNS queries of policed workloads by verdict").register(registry));
            byVerdict[verdict.ordinal()] = c;
        }
        c.increment();
    }

    /** {@link #hotCounters}' DNS query counters by workload and verdict, for the lookup per answer. */
    private final Map<String, Counter[]> dnsQueries = new ConcurrentHashMap<>();

    /**
     * Per-event counters (DNS queries, connections) by "workload\nmeter\ntags...", looked up once: the registry's own
     * lookup (tags built and sorted, a map probe) is a cost on every DNS answer and every kernel event.
     */
    private final Map<String, Counter> hotCounters = new ConcurrentHashMap<>();
    /** Events of cgroups no policy names (yet) count under this workload; its series stays. */
    static final String UNKNOWN_WORKLOAD = "unknown";
    private volatile Timer upstreamTimer;
    private volatile Timer datapathWaitTimer;

    @Override
    public void error(String reason) {
        Counter.builder(DNS_ERRORS).tag("reason", reason).description("DNS proxy errors by reason")
                .register(registry).increment();
    }

    @Override
    public void upstreamSeconds(double s) {
        Timer t = upstreamTimer;
        if (t == null) {
            upstreamTimer = t = fineTimer(DNS_UPSTREAM, "Time upstream resolvers took to answer");
        }
        t.record((long) (s * 1e9), TimeUnit.NANOSECONDS);
    }

    @Override
    public void datapathWaitSeconds(double s) {
        Timer t = datapathWaitTimer;
        if (t == null) {
            datapathWaitTimer = t = fineTimer(DNS_DATAPATH_WAIT, "Time an answer was held until its addresses were in the kernel");
        }
        t.record((long) (s * 1e9), TimeUnit.NANOSECONDS);
    }

    /** A histogram from 10 us to 10 s: DNS times on a node are tens of microseconds to milliseconds. */
    private Timer fineTimer(String name, String description) {
        return Timer.builder(name).publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(10)).description(description).register(registry);
    }

    /** A learned-IP sweep's result, on the datapath thread. */
    void learnedSwept(LearnedSweeper.Result r) {
        learned = r.livePerCgroup();
        learnedExpired().increment(r.deleted());
    }

    private Counter learnedExpired() {
        return Counter.builder(FQDN_LEARNED_EXPIRED)
                .description("Learned addresses deleted by the sweep: expired, or their workload is no longer policed")
                .register(registry);
    }

    void reconcileFailed() {
        Counter.builder(RECONCILE_FAILURES).description("Reconcile passes that failed").register(registry).increment();
    }
}
