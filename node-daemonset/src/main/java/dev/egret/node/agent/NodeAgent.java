package dev.egret.node.agent;

import dev.egret.libbpf.RingBuffer;
import dev.egret.node.cgroup.CgroupLimitFiles;
import dev.egret.node.cgroup.CgroupLimits;
import dev.egret.node.cgroup.CgroupMounts;
import dev.egret.node.datapath.DatapathConfig;
import dev.egret.node.datapath.EgressEvent;
import dev.egret.node.audit.AuditEvents;
import dev.egret.node.audit.LearnedNames;
import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.datapath.KernelContract;
import dev.egret.node.datapath.LearnedSweeper;
import dev.egret.node.datapath.WorkloadEntry;
import dev.egret.node.dns.DnsProxy;
import dev.egret.node.dns.DnsProxyConfig;
import dev.egret.node.dns.DnsQueryEvent;
import dev.egret.node.dns.WorkloadPolicies;
import dev.egret.node.run.EventJson;
import dev.egret.node.pods.PodCgroupIndex;
import dev.egret.node.pods.PodInfo;
import dev.egret.node.pods.PodSelection;
import dev.egret.node.optional.OptionalLibraries;
import dev.egret.node.pods.PodSource;
import dev.egret.node.sync.PolicySet;
import dev.egret.policy.Decision;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyDecider;
import dev.egret.policy.Verdict;
import io.vertx.core.Vertx;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The node agent: adopts or installs the pinned datapath attached at the cgroup2 root, then keeps it equal to the
 * policies in the policy directory and the cgroups they select, on one thread that owns every map write.
 * Stopping the agent leaves enforcement in force.
 */
public final class NodeAgent {
    private static final Logger LOG = Logger.getLogger(NodeAgent.class);

    private final NodeConfig config;
    private final NodeMetrics metrics;
    private final Vertx vertx;
    private final ControllerLink link;
    private final NodeAudit audit;

    private DnsProxy dnsProxy;
    /** The DNS proxy once it has started (for liveness, read off the agent's threads). */
    private volatile DnsProxy dnsStarted;

    private EgretDatapath datapath;
    private Reconciler reconciler;
    private PolicyDirectory policies;
    private SlotTable slots;
    private WorkloadNames workloadNames;
    private CgroupScanner scanner;
    private CgroupMounts cgroupMounts;
    private List<String> lastLimitProblems = List.of();
    /** Names of learned addresses for the audit stream: as many as the agent learns at most (the heap holds both). */
    private final LearnedNames learnedNames;
    private PodSource pods;
    private PodCgroupIndex podCgroups;
    private volatile DesiredState lastDesired;
    private volatile Map<String, EgressPolicy> lastPolicies = Map.of();
    private static final Logger EVENTS = Logger.getLogger("egret.events");
    private final AtomicBoolean ready = new AtomicBoolean();
    /** Set when {@link #start} has returned: the DNS proxy listens and the kernel redirects DNS to it. */
    private volatile boolean started;
    private final CompiledPolicies compiledPolicies = new CompiledPolicies();
    private volatile boolean running;
    /** The one thread that writes the datapath's maps: reconcile applies and the DNS proxy's learned addresses. */
    private ScheduledExecutorService owner;
    /** Deletes learned IPs nobody can use any more: scans on its own thread, deletes on {@link #owner}. */
    private LearnedSweeper sweeper;
    /** Reads policies, scans cgroups and computes the desired state, so none of that delays a DNS answer. */
    private ScheduledExecutorService planner;
    private Thread eventThread;

    public NodeAgent(NodeConfig config, NodeMetrics metrics, Vertx vertx) {
        this.config = config;
        this.metrics = metrics;
        this.vertx = vertx;
        this.link = new ControllerLink(config, metrics);
        this.audit = new NodeAudit(config, metrics);
        this.learnedNames = new LearnedNames(config.mapSizes().getOrDefault(KernelContract.MAP_LEARNED, 65_536));
    }

    /**
     * Adopts or installs the datapath, starts following the policies, the event reader and the DNS proxy.
     * Throws when the datapath cannot be loaded or adopted: an agent that cannot enforce must not run.
     */
    public void start() {
        if (!config.enabled()) {
            return;
        }
        CgroupMounts mounts = CgroupMounts.fromProc();
        var attach = config.attachCgroup().orElse(mounts.v2Root());
        try {
            datapath = EgretDatapath.open(new DatapathConfig(config.pinDir(), attach, config.mapSizes()));
        } catch (RuntimeException e) {
            // fail loudly: a node agent that cannot enforce must not look healthy
            throw new IllegalStateException("egret node: cannot load or adopt the datapath in " + config.pinDir()
                    + " attached at " + attach + ": " + e.getMessage(), e);
        }
        LOG.infof("datapath %s in %s, attached at %s", datapath.adopted() ? "adopted" : datapath.upgraded() ? "adopted and upgraded to this version's programs" : "installed", config.pinDir(), attach);
        if (!datapath.unavailable().isEmpty()) {
            LOG.warnf("optional hooks unavailable on this kernel: %s", datapath.unavailable());
        }
        if (datapath.upgradeProblem() != null) {
            LOG.warnf("datapath upgrade: %s", datapath.upgradeProblem());
        }
        long mirror = datapath.learnedCapacity() * MIRROR_BYTES_PER_ENTRY;
        if (mirror > Runtime.getRuntime().maxMemory() / 3) { // a full map would leave too little for the rest
            LOG.warnf("the learned map holds up to %d addresses, whose copy in the agent's heap takes up to %d MiB of its "
                    + "%d MiB: give the agent more memory or the map fewer entries (--map-sizes)",
                    datapath.learnedCapacity(), mirror >> 20, Runtime.getRuntime().maxMemory() >> 20);
        }
        connectLog = new EventLogLimit(config.eventLogRate());
        dnsLog = new EventLogLimit(config.eventLogRate());
        reconciler = new Reconciler(datapath);
        policies = new PolicyDirectory(config.policyDir());
        slots = new SlotTable(config.stateDir().resolve("slots.json"));
        workloadNames = new WorkloadNames(config.stateDir().resolve("workloads.json"));
        scanner = new CgroupScanner(mounts.v2Root());
        cgroupMounts = mounts;
        metrics.bind(this);
        running = true;
        owner = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("egret-datapath").unstarted(r));
        planner = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("egret-reconcile").unstarted(r));
        sweeper = new LearnedSweeper(datapath, owner, metrics::learnedSwept).start(config.learnedSweepInterval());
        link.start(() -> planner.execute(this::reconcileSafely), this::ready);
        if (config.pods()) {
            startPods(mounts);
        }
        audit.start(link);
        try {
            watch = new DirectoryWatch("egret-watch", this::reconcileSoon);
        } catch (IOException e) {
            LOG.warnf("cannot watch cgroups and policy files (%s): new cgroups are policed at the next periodic pass",
                    e.getMessage());
        }
        planner.scheduleWithFixedDelay(this::reconcileSafely, 0, config.reconcileInterval().toMillis(), TimeUnit.MILLISECONDS);
        planner.scheduleWithFixedDelay(this::logSuppressed, 1, 1, TimeUnit.SECONDS);
        eventThread = Thread.ofPlatform().name("egret-events").daemon().start(this::pumpEvents);
        startDns();
        started = true;
    }

    /** Pod workloads: the pods of this node from the API server, their cgroups from the kubepods hierarchy. */
    private void startPods(CgroupMounts mounts) {
        podCgroups = new PodCgroupIndex(config.podsCgroupRoot().orElse(mounts.v2Root()), mounts.v2Root());
        pods = OptionalLibraries.pods(config.name(), config.podsServerSideSelector(), () -> planner.execute(this::reconcileSafely));
        if (!pods.awaitSynced(30, TimeUnit.SECONDS)) {
            LOG.warnf("pod list from %s not complete yet; pods are policed as they arrive", pods.origin());
        }
        LOG.infof("policing pods of node %s (API server %s)", config.name(), pods.origin());
    }

    /** The DNS proxy: answers are released only after the datapath thread has written their addresses. */
    private void startDns() {
        List<String> ups = config.dnsUpstreams();
        if (ups.isEmpty()) {
            LOG.warn("no DNS upstream configured or in /etc/resolv.conf: workloads' DNS is policed like other traffic");
            datapath.redirectDns(0);
            return;
        }
        var cfg = new DnsProxyConfig(ups.stream().map(DnsProxyConfig::parseUpstream).toList(),
                Duration.ofSeconds(2), config.dnsGrace(), Duration.ofMillis(500));
        dnsProxy = new DnsProxy(vertx, datapath, sweeper, workloadPolicies, cfg, this::onDnsEvent, owner, metrics);
        List<InetAddress> podAddresses = config.dnsPodAddresses();
        int port = dnsProxy.start(config.dnsPort(), podAddresses);
        dnsStarted = dnsProxy;
        try { // in force before the agent says it is ready
            owner.submit(() -> datapath.redirectDns(port, podAddresses)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while redirecting DNS to the proxy", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot redirect DNS to the proxy: " + e.getCause().getMessage(), e.getCause());
        }
        LOG.infof("DNS proxy on 127.0.0.1:%d and [::1]:%d%s, upstreams %s", port, port,
                podAddresses.isEmpty() ? "" : " and, for pods, " + podAddresses, ups);
    }

    /**
     * Cgroups whose move to another policy (or out of policing) is being applied; learned-lock only. A query of theirs
     * decided before the move must not leave an address behind: the DNS proxy asks {@link WorkloadPolicies#stillPolices}
     * under the learned map's lock just before it writes, and the view changes under the same lock once the kernel
     * holds the new bindings. When applying fails, those the kernel already moved stay here (their DNS answers fail)
     * until a pass succeeds.
     */
    private final Set<Long> moving = new HashSet<>();

    private final WorkloadPolicies workloadPolicies = new WorkloadPolicies() {
        @Override
        public Optional<Bound> forCgroup(long cgroupId) {
            return policyFor(cgroupId);
        }

        @Override
        public boolean stillPolices(long cgroupId, Bound decided) {
            return (moving.isEmpty() || !moving.contains(cgroupId)) && WorkloadPolicies.super.stillPolices(cgroupId, decided);
        }
    };

    /** The last answer of {@link #policyFor}: a workload asks many names in a row, under the same state. */
    private record BoundCache(DesiredState desired, Map<String, EgressPolicy> policies, long cgroupId,
                              Optional<WorkloadPolicies.Bound> bound) {
    }

    private volatile BoundCache boundCache;
    /** Directories watched for new cgroups at most (inotify watches are a per-user kernel resource). */
    private static final int MAX_WATCHED = 4096;
    private DirectoryWatch watch;
    private boolean watchCapped; // planner only
    private final AtomicBoolean reconcileQueued = new AtomicBoolean();
    /**
     * Heap one learned address takes in the agent, measured: its mirror (map node, keys, entry, address) and what the
     * DNS side keeps for it (names, pending sweeps). 16,384 entries added 8 MiB live.
     */
    private static final long MIRROR_BYTES_PER_ENTRY = 512;

    private Optional<WorkloadPolicies.Bound> policyFor(long cgroupId) {
        DesiredState d = lastDesired;
        Map<String, EgressPolicy> policies = lastPolicies;
        BoundCache c = boundCache;
        if (c != null && c.desired() == d && c.policies() == policies && c.cgroupId() == cgroupId) {
            return c.bound();
        }
        Optional<WorkloadPolicies.Bound> bound = Optional.empty();
        WorkloadEntry entry = d == null ? null : d.bindings().get(cgroupId);
        if (entry != null) {
            EgressPolicy p = policies.get(d.slotNames().get(entry.slot()));
            bound = p == null ? Optional.empty() : Optional.of(new WorkloadPolicies.Bound(d.workloads().get(cgroupId), p));
        }
        boundCache = new BoundCache(d, policies, cgroupId, bound);
        return bound;
    }

    /** Lines of denied connects (event thread) and denied DNS queries (the proxy's loop) in the log. */
    private EventLogLimit connectLog;
    private EventLogLimit dnsLog;

    /** A denied event's line in the log, unless the limit says no (the audit journal has it either way). */
    private static void logEvent(EventLogLimit limit, Supplier<String> line) {
        if (!EVENTS.isInfoEnabled()) {
            return;
        }
        synchronized (limit) {
            if (!limit.admit(System.nanoTime())) {
                return;
            }
        }
        EVENTS.info(line.get());
    }

    /** Once a second (and at shutdown): how many denied-event lines each limit left out since the last time. */
    private void logSuppressed() {
        logSuppressed("connect", connectLog);
        logSuppressed("dns", dnsLog);
    }

    private static void logSuppressed(String of, EventLogLimit limit) {
        if (limit == null) {
            return;
        }
        long left;
        synchronized (limit) {
            left = limit.takeSuppressed();
        }
        if (left > 0) {
            EVENTS.infof("{\"type\":\"suppressed\",\"of\":\"%s\",\"lines\":%d,\"reason\":\"more than %s denied events "
                    + "a second: the audit journal has them all\"}", of, left, limit);
        }
    }

    private void onDnsEvent(DnsQueryEvent e) {
        if (!e.learned().isEmpty()) {
            learnedNames.learned(e.cgroupId(), e.learned(), e.name());
        }
        if (e.verdict() != Verdict.ALLOW) {
            logEvent(dnsLog, () -> EventJson.line(e));
        }
        audit.publish(AuditEvents.dns(config.name(), e, e.policy(), e.protocol()));
    }

    /** Stops the agent's own work; enforcement stays in force (the pins outlive it). */
    public void stop() {
        running = false;
        dnsStarted = null; // stopping on purpose: liveness has nothing to report about DNS any more
        link.stop();
        if (pods != null) {
            pods.close(); // and its client
        }
        if (dnsProxy != null) {
            dnsProxy.close();
        }
        if (sweeper != null) {
            sweeper.close();
        }
        for (ScheduledExecutorService ex : new ScheduledExecutorService[]{planner, owner}) {
            if (ex != null) {
                ex.shutdown();
                try {
                    ex.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (watch != null) {
            watch.close();
        }
        logSuppressed();
        if (eventThread != null) {
            try {
                eventThread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        audit.stop();
        if (datapath != null) {
            datapath.close(); // pins stay: enforcement outlives the agent
        }
    }

    /**
     * A pass as soon as the planner is free, for a cgroup made or removed under a policy's parent directory or a
     * policy file changed (so a new workload is policed within milliseconds, not at the next periodic pass); a burst
     * of changes makes one pass, and such passes start at least {@link #WATCH_SPACING_NANOS} apart (a node whose
     * containers churn does not reconcile back to back).
     */
    private void reconcileSoon() {
        if (running && reconcileQueued.compareAndSet(false, true)) {
            long wait = Math.max(0, lastWatchPass + WATCH_SPACING_NANOS - System.nanoTime());
            try {
                planner.schedule(() -> {
                    reconcileQueued.set(false);
                    lastWatchPass = System.nanoTime();
                    if (running) {
                        reconcileSafely();
                    }
                }, wait, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                reconcileQueued.set(false); // stopping
            }
        }
    }

    private static final long WATCH_SPACING_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private volatile long lastWatchPass = System.nanoTime() - WATCH_SPACING_NANOS;

    private void reconcileSafely() {
        try {
            reconcile();
            ready.set(true);
        } catch (ExecutionException e) {
            metrics.reconcileFailed();
            LOG.errorf(e.getCause(), "reconcile failed; the kernel keeps its previous state");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            metrics.reconcileFailed();
            LOG.errorf(e, "reconcile failed; the kernel keeps its previous state");
        }
    }

    /**
     * One pass: read policies, find their cgroups and compute what the kernel should hold (on the planner thread),
     * then apply the difference on the datapath thread.
     */
    void reconcile() throws ExecutionException, InterruptedException {
        PolicySet fromController = link.current();
        Map<String, EgressPolicy> byName = new TreeMap<>(fromController.byName());
        policies.read().forEach((name, p) -> {
            if (byName.put(name, p) != null) {
                LOG.warnf("policy %s is both in %s and at the controller; the local file applies", name, config.policyDir());
            }
        });
        policies.errors().forEach((f, err) -> LOG.warnf("policy file %s: %s (its last good version stays in force)", f, err));
        // a slot the kernel still binds is not handed to a new policy: see DesiredState.boundSlots
        Map<String, Integer> assigned = slots.assign(byName.keySet(), DesiredState.boundSlots(datapath.usedSlots()));
        Map<String, Map<String, Long>> cgroups = new HashMap<>();
        List<String> limitProblems = new ArrayList<>();
        List<CgroupGlob> allGlobs = new ArrayList<>();
        for (EgressPolicy p : byName.values()) {
            List<CgroupGlob> globs = p.spec().workloads().cgroupPaths().stream().map(CgroupGlob::compile).toList();
            allGlobs.addAll(globs);
            Map<String, Long> selected = scanner.scan(globs);
            cgroups.put(p.name(), selected);
            CgroupLimits limits = CgroupLimits.of(p.spec().limits());
            if (limits.any()) { // pods get theirs from the pod spec, through the kubelet
                selected.keySet().forEach(path -> limitProblems.addAll(CgroupLimitFiles.apply(cgroupMounts, path, limits)));
            }
        }
        if (watch != null) {
            Set<Path> dirs = new HashSet<>(scanner.parents(allGlobs, MAX_WATCHED));
            if (dirs.size() >= MAX_WATCHED && !watchCapped) {
                LOG.warnf("policies select cgroups under more than %d directories: only %d are watched, cgroups made "
                        + "elsewhere are policed at the next periodic pass", MAX_WATCHED, MAX_WATCHED);
            }
            watchCapped = dirs.size() >= MAX_WATCHED;
            if (podCgroups != null) {
                dirs.addAll(podCgroups.tiers());
            }
            if (Files.isDirectory(config.policyDir())) {
                dirs.add(config.policyDir());
            }
            if (watch.watch(dirs)) {
                reconcileSoon(); // what was made in a newly watched directory since the scan above (a nested mkdir -p)
            }
        }
        if (!limitProblems.equals(lastLimitProblems)) {
            limitProblems.forEach(LOG::warn);
            lastLimitProblems = limitProblems;
        }
        Map<String, String> podPaths = new HashMap<>();
        if (pods != null) {
            Map<String, PodCgroupIndex.PodCgroup> podIndex = podCgroups.scan();
            PodSelection.select(byName, pods.pods(), pods.namespaceLabels()).forEach((policy, selected) -> {
                Map<String, Long> forPolicy = cgroups.computeIfAbsent(policy, k -> new TreeMap<>());
                for (PodInfo pod : selected) {
                    PodCgroupIndex.PodCgroup cg = podIndex.get(pod.uid());
                    if (cg != null) {
                        forPolicy.put(pod.workload(), cg.id());
                        podPaths.put(pod.workload(), podCgroups.v2Path(cg));
                    }
                }
            });
        }
        compiledPolicies.retain(byName.keySet());
        DesiredState computed = DesiredState.compute(byName, assigned, cgroups, compiledPolicies::compile);
        computed.problems().forEach(LOG::warn);
        // until the pod list is complete, a pod missing from it may just not be listed yet: nothing is unbound
        DesiredState desired = config.pods() && (pods == null || !pods.synced())
                ? computed.keeping(datapath.workloads(), lastDesired == null ? workloadNames.saved() : lastDesired.workloads())
                : computed;
        Set<Long> moved = desired.movedSince(lastDesired);
        if (!moved.isEmpty()) { // from now on nothing their old policy decided is learned (see workloadPolicies)
            datapath.learnedExclusive(() -> moving.addAll(moved));
        }
        int changes;
        try {
            changes = owner.submit(() -> reconciler.apply(desired)).get(); // forgets what the moved ones learned
        } catch (ExecutionException | InterruptedException | RuntimeException e) {
            if (!moved.isEmpty()) { // those the kernel still binds as the proxy sees them learn again; the others wait
                try {
                    Set<Long> unmoved = lastDesired.boundAsIn(datapath.workloads(), moved);
                    datapath.learnedExclusive(() -> moving.removeAll(unmoved));
                } catch (RuntimeException unreadable) {
                    e.addSuppressed(unreadable); // all stay frozen: their DNS fails rather than learn for the wrong policy
                }
            }
            throw e;
        }
        if (changes > 0) {
            LOG.infof("applied %d change(s): %d policies, %d policed cgroups", changes, desired.policies().size(),
                    desired.bindings().size());
        }
        datapath.learnedExclusive(() -> { // the proxy's view changes in one step with respect to its learns
            lastDesired = desired;
            lastPolicies = desired.effective();
            moving.clear();
            return null;
        });
        link.applied(fromController, Instant.now());
        metrics.refresh(desired.workloads(), podPaths, changes > 0);
        workloadNames.save(desired.workloads()); // last: events of new workloads find their counters first
    }

    private void pumpEvents() {
        try (RingBuffer ring = datapath.events(this::onEvent)) {
            while (running) {
                ring.pollAndDrain(100); // allowed connects are submitted without a wakeup: read at least every 100 ms
            }
        } catch (RuntimeException e) {
            LOG.error("event reader stopped", e);
        }
    }

    private void onEvent(EgressEvent e) {
        DesiredState d = lastDesired;
        String workload = d == null ? NodeMetrics.UNKNOWN_WORKLOAD : d.workloads().getOrDefault(e.cgroupId(), NodeMetrics.UNKNOWN_WORKLOAD);
        metrics.connection(workload, e.verdict(), e.protocolName());
        EgressPolicy policy = d == null ? null : lastPolicies.get(d.slotNames().get(Reconciler.logical(e.slot())));
        PolicyDecider decider = policy == null ? null : compiledPolicies.decider(policy.name());
        Decision decision = decider == null ? null : explain(decider, e);
        String rule = decision != null ? decision.rule() : e.reason().name().toLowerCase(Locale.ROOT).replace('_', '-');
        String reason = decision != null ? decision.reason() : e.reason().text();
        Instant time = wallTime(e);
        if (e.verdict() != Verdict.ALLOW) {
            logEvent(connectLog, () -> EventJson.line(e, time, workload, rule, reason));
        }
        String name = e.address() == null ? null : learnedNames.nameOf(e.cgroupId(), e.address()).orElse(null);
        audit.publish(AuditEvents.connect(config.name(), e, time, workload, policy == null ? null : policy.name(),
                name, rule, reason));
    }

    /** The rule that decided a destination, by decider (a policy's compiled form) and destination. */
    private record Explained(PolicyDecider decider, InetAddress address, int port, int protocol, EgressEvent.Reason reason) {
    }

    /**
     * Explanations of recent events' destinations, on the event thread only: a workload connects to the same few
     * destinations again and again, and an explanation walks the policy. Bounded: cleared when full.
     */
    private final Map<Explained, Optional<Decision>> explained = new HashMap<>();

    private Decision explain(PolicyDecider decider, EgressEvent e) {
        Explained k = new Explained(decider, e.address(), e.port(), e.protocol(), e.reason());
        Optional<Decision> d = explained.get(k);
        if (d == null) {
            if (explained.size() >= 4096) {
                explained.clear();
            }
            d = Optional.ofNullable(EventJson.explain(decider, e));
            explained.put(k, d);
        }
        return d.orElse(null);
    }

    private static Instant wallTime(EgressEvent e) {
        long wallNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime() + e.monotonicNanos();
        return Instant.ofEpochSecond(0, wallNanos);
    }

    /** Started, and the policies applied once. */
    public boolean ready() {
        return started && ready.get();
    }

    /** True while the datapath is open and every required link is still pinned. */
    public boolean live() {
        return datapath != null && Files.isDirectory(config.pinDir());
    }

    /** The DNS proxy, once started, answers UDP (its UDP thread runs); true before it starts or when it is off. */
    public boolean dnsLive() {
        DnsProxy dns = dnsStarted;
        return dns == null || dns.servingUdp();
    }

    public EgretDatapath datapath() {
        return datapath;
    }

    public DesiredState lastDesired() {
        return lastDesired;
    }

    public boolean enabled() {
        return config.enabled();
    }
}
