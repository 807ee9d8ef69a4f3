package dev.egret.node.dns;

import dev.egret.node.cgroup.CgroupLimits;
import dev.egret.node.cgroup.WorkloadCgroup;
import dev.egret.node.datapath.DatapathConfig;
import dev.egret.node.datapath.DnsClient;
import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.datapath.KernelContract;
import dev.egret.node.datapath.LearnedIp;
import dev.egret.node.datapath.LearnedSweeper;
import dev.egret.node.datapath.PolicyCompiler;
import dev.egret.node.datapath.WorkloadEntry;
import dev.egret.node.testkit.InCgroup;
import dev.egret.node.testkit.Servers;
import dev.egret.node.testkit.TestCgroups;
import dev.egret.node.testkit.TestDnsServer;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The learned map is a plain hash of {@value #CAPACITY} entries here: a workload resolving many more distinct
 * short-lived names than that, over time, gets every answer and reaches every address, because expired entries are
 * swept (periodically, or when a learn finds the map full); a long-lived entry stays; a map full of entries still in
 * force fails closed (SERVFAIL), it never evicts them. Real kernel, real proxy, dig and bash in a policed cgroup.
 */
class LearnedSweepKernelIT {
    private static final int CAPACITY = 16;
    private static final int ROUNDS = 3;
    private static final int PER_ROUND = CAPACITY - 1; // beside keep.test, a round fills the map

    private TestCgroups env;
    private WorkloadCgroup wl;
    private EgretDatapath datapath;
    private Servers server;
    private TestDnsServer zone;
    private Vertx vertx;
    private ExecutorService writer;
    private LearnedSweeper sweeper;
    private DnsProxy proxy;
    private EgressPolicy policy;
    private final List<LearnedSweeper.Result> sweeps = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
    private final AtomicInteger fullSweeps = new AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        env = new TestCgroups();
        wl = env.workload("sweep", CgroupLimits.NONE);
        server = new Servers("0.0.0.0");
        zone = new TestDnsServer().add("keep.test. 3600 A 127.5.1.1");
        for (int i = 0; i < ROUNDS * PER_ROUND; i++) {
            zone.add("n" + i + ".sweep.test. 1 A 127.5.0." + (i + 1));
        }
        for (int i = 0; i < CAPACITY; i++) {
            zone.add("l" + i + ".long.test. 3600 A 127.5.2." + (i + 1));
        }
        datapath = EgretDatapath.open(new DatapathConfig(env.pinDir, wl.path(), Map.of(KernelContract.MAP_LEARNED, CAPACITY)));
        policy = PolicyCodec.parseYaml("""
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: sweep}
                spec:
                  egress: [{toFQDNs: [{matchPattern: "*.sweep.test"}, {matchName: keep.test}, {matchPattern: "*.long.test"}],
                            toPorts: [{port: %d}]}]
                """.formatted(server.port()));
        datapath.applyPolicy(PolicyCompiler.compile(policy, 1));
        datapath.bindWorkload(wl.id(), new WorkloadEntry(1, false, false, false));
        vertx = Vertx.vertx();
        writer = Executors.newSingleThreadExecutor();
    }

    /** Starts the proxy with a sweeper running every {@code interval}; counts the sweeps a full map asks for. */
    private void startProxy(Duration interval) {
        sweeper = new LearnedSweeper(datapath, writer, sweeps::add).start(interval);
        DnsDatapath real = DnsDatapath.of(datapath, sweeper);
        DnsDatapath counting = new DnsDatapath() {
            @Override
            public Optional<DnsClient> client(int family, int protocol, InetAddress client, int clientPort) {
                return real.client(family, protocol, client, clientPort);
            }

            @Override
            public Optional<LearnedIp> learned(long cgroupId, InetAddress address) {
                return real.learned(cgroupId, address);
            }

            @Override
            public void learn(LearnedIp ip) {
                real.learn(ip);
            }

            @Override
            public int learnAll(List<LearnedIp> fresh, long nowNanos, long slackNanos, Predicate<LearnedIp> current) {
                return real.learnAll(fresh, nowNanos, slackNanos, current);
            }

            @Override
            public CompletionStage<?> makeRoom() {
                fullSweeps.incrementAndGet();
                return real.makeRoom();
            }
        };
        DnsMetrics metrics = new DnsMetrics() {
            @Override
            public void error(String reason) {
                errors.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
            }
        };
        WorkloadPolicies policies = id -> id == wl.id() ? Optional.of(new WorkloadPolicies.Bound("sweep", policy)) : Optional.empty();
        proxy = new DnsProxy(vertx, counting, policies, new DnsProxyConfig(List.of(DnsProxyConfig.parseUpstream(zone.upstream())),
                Duration.ofSeconds(2), Duration.ZERO, Duration.ofSeconds(2)), e -> { }, writer, metrics);
        datapath.redirectDns(proxy.start());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (sweeper != null) {
            sweeper.close();
        }
        writer.shutdown();
        writer.awaitTermination(5, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get();
        datapath.close();
        zone.close();
        server.close();
        wl.close();
        env.close();
    }

    /** A shell that resolves each name through the redirected resolver and connects to the answer's address. */
    private List<String> run(String script) throws Exception {
        String prelude = """
                P=%d
                reach() { if (exec 3<>/dev/tcp/$1/$P) 2>/dev/null; then echo ok; else echo EPERM; fi; }
                check() {
                  ip=$(dig +short +tries=1 +time=3 @192.0.2.53 "$1" | grep -E '^[0-9.]+$' | head -1)
                  if [ -z "$ip" ]; then echo "$1 no-answer"; else echo "$1 $(reach "$ip")"; fi
                }
                """.formatted(server.port());
        return InCgroup.run(wl, List.of("bash", "-c", prelude + script));
    }

    private static String rounds(double pauseSeconds) {
        return "for r in $(seq 0 " + (ROUNDS - 1) + "); do for i in $(seq 0 " + (PER_ROUND - 1) + "); do "
                + "check n$((r * " + PER_ROUND + " + i)).sweep.test; done; sleep " + pauseSeconds + "; done\n";
    }

    private static List<String> expectedRounds() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ROUNDS * PER_ROUND; i++) {
            out.add("n" + i + ".sweep.test ok");
        }
        return out;
    }

    private int errors(String reason) {
        AtomicInteger n = errors.get(reason);
        return n == null ? 0 : n.get();
    }

    private int deleted() {
        return sweeps.stream().mapToInt(LearnedSweeper.Result::deleted).sum();
    }

    /**
     * No periodic sweep in time: each round after the first finds the map full of the previous round's expired
     * entries, sweeps them and learns again. Then a map full of entries in force: the one answer too many fails.
     */
    @Test
    void aFullMapIsSweptOfExpiredEntriesAndTheLearnRetriedButLiveEntriesAreNeverEvicted() throws Exception {
        startProxy(Duration.ofHours(1));
        long t0 = System.nanoTime();
        List<String> out = run("check keep.test\n" + rounds(1.2) + "reach 127.5.1.1\n"
                + "for i in $(seq 0 " + (CAPACITY - 1) + "); do check l$i.long.test; done\nreach 127.5.1.1\n");
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<String> expected = new ArrayList<>(List.of("keep.test ok"));
        expected.addAll(expectedRounds());
        expected.add("ok"); // keep.test's address, never swept
        for (int i = 0; i < CAPACITY - 1; i++) {
            expected.add("l" + i + ".long.test ok");
        }
        expected.add("l" + (CAPACITY - 1) + ".long.test no-answer"); // keep.test + 15 live: no room, SERVFAIL
        expected.add("ok");
        assertEquals(expected, out);
        assertEquals(1, errors("datapath_full"), "only the answer that found the map full of live entries: " + errors);
        assertEquals(0, errors("datapath_timeout"), errors.toString());
        assertTrue(fullSweeps.get() >= ROUNDS, "a full map asked for a sweep: " + fullSweeps);
        assertTrue(deleted() >= (ROUNDS - 1) * PER_ROUND + 1, "expired entries deleted: " + deleted());
        LearnedIp keep = datapath.learned(wl.id(), InetAddress.getByName("127.5.1.1")).orElseThrow();
        assertTrue(keep.expiresNanos() > System.nanoTime() + TimeUnit.SECONDS.toNanos(3000), "keep.test's entry as learned");
        assertEquals(CAPACITY, datapath.learnedEntries().size());
        System.out.printf("learned map of %d: %d distinct answers in %.1f s, %d sweeps on a full map, %d entries deleted%n",
                CAPACITY, 1 + ROUNDS * PER_ROUND + CAPACITY, seconds, fullSweeps.get(), deleted());
    }

    /** The periodic sweep alone keeps room: no learn ever finds the map full. */
    @Test
    void thePeriodicSweepKeepsRoomSoNoLearnFindsTheMapFull() throws Exception {
        startProxy(Duration.ofMillis(200));
        List<String> out = run("check keep.test\n" + rounds(2) + "reach 127.5.1.1\n");
        List<String> expected = new ArrayList<>(List.of("keep.test ok"));
        expected.addAll(expectedRounds());
        expected.add("ok");
        assertEquals(expected, out);
        assertEquals(0, fullSweeps.get(), "the map was never full");
        assertEquals(Collections.emptyMap(), Map.copyOf(errors));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (datapath.learnedEntries().size() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(List.of(InetAddress.getByName("127.5.1.1")),
                datapath.learnedEntries().stream().map(LearnedIp::address).toList(), "only the live entry is left");
        LearnedSweeper.Result now = sweeper.sweep().get(5, TimeUnit.SECONDS); // after every earlier one, on the writer
        assertEquals(Map.of(wl.id(), 1L), now.livePerCgroup(), "the live count per workload");
        assertEquals(ROUNDS * PER_ROUND, deleted(), "every expired entry deleted once, and only those");
    }
}
