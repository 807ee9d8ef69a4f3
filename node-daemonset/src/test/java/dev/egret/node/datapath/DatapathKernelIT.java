package dev.egret.node.datapath;

import dev.egret.libbpf.BpfBatchException;
import dev.egret.libbpf.BpfException;
import dev.egret.libbpf.RingBuffer;
import dev.egret.node.cgroup.CgroupLimits;
import dev.egret.node.cgroup.WorkloadCgroup;
import dev.egret.node.testkit.InCgroup;
import dev.egret.node.testkit.OpenFds;
import dev.egret.node.testkit.Servers;
import dev.egret.node.testkit.TestCgroups;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import dev.egret.policy.Verdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real programs in the real kernel, a temporary cgroup per test, clients that really connect. */
class DatapathKernelIT {
    private TestCgroups env;
    private WorkloadCgroup wl;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void setUp() {
        env = new TestCgroups();
        wl = env.workload("wl", CgroupLimits.NONE);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        wl.close();
        env.close();
    }

    private EgretDatapath open() {
        EgretDatapath d = EgretDatapath.open(new DatapathConfig(env.pinDir, wl.path(), Map.of()));
        closing.add(d);
        return d;
    }

    private Servers server(String bind) throws Exception {
        Servers s = new Servers(bind);
        closing.add(s);
        return s;
    }

    private static EgressPolicy policy(String spec) {
        return PolicyCodec.parseYaml("apiVersion: egret.dev/v1\nkind: EgressPolicy\nmetadata: {name: t}\nspec:\n" + spec);
    }

    private void enforce(EgretDatapath d, EgressPolicy p) {
        d.applyPolicy(PolicyCompiler.compile(p, 7));
        d.bindWorkload(wl.id(), new WorkloadEntry(7, p.spec().mode() == dev.egret.policy.Mode.AUDIT, false, false));
    }

    @Test
    void allowedCidrAndPortPassEverythingElseFailsWithEperm() throws Exception {
        Servers any = server("0.0.0.0");
        Servers other = server("0.0.0.0");
        EgretDatapath d = open();
        enforce(d, policy("  egress: [{toCIDR: [127.0.0.1/32], toPorts: [{port: " + any.port() + ", protocol: TCP}]}]\n"));
        String p = Integer.toString(any.port());
        for (boolean ipv4Stack : new boolean[]{true, false}) { // false: the JVM's dual-stack sockets (::ffff:127.0.0.1)
            List<String> out = InCgroup.probe(wl, ipv4Stack, "tcp", "127.0.0.1", p, "tcp", "127.0.0.2", p,
                    "tcp", "127.0.0.1", Integer.toString(other.port()), "udpc", "127.0.0.1", p);
            assertEquals(List.of("ok", "EPERM", "EPERM", "EPERM"), out, "preferIPv4Stack=" + ipv4Stack);
        }
        Counters c = d.counters(wl.id());
        assertEquals(2, c.allowed());
        assertEquals(6, c.denied());
        // outside the workload nothing is policed
        try (java.net.Socket s = new java.net.Socket("127.0.0.2", any.port())) {
            assertTrue(s.isConnected());
        }
    }

    @Test
    void ipv6BothWays() throws Exception {
        Servers v6 = server("::1");
        Servers v4 = server("127.0.0.1");
        EgretDatapath d = open();
        enforce(d, policy("  egress: [{toCIDR: ['::1/128'], toPorts: [{port: " + v6.port() + "}]}]\n"));
        List<String> out = InCgroup.probe(wl, false, "tcp", "::1", Integer.toString(v6.port()),
                "tcp", "::1", Integer.toString(v4.port()), "tcp", "127.0.0.1", Integer.toString(v4.port()));
        assertEquals(List.of("ok", "EPERM", "EPERM"), out);

        enforce(d, policy("  egress: [{toCIDR: [127.0.0.0/8]}]\n  deny: [{toCIDR: ['::/0']}]\n"));
        out = InCgroup.probe(wl, false, "tcp", "::1", Integer.toString(v6.port()),
                "tcp", "127.0.0.1", Integer.toString(v4.port()));
        assertEquals(List.of("EPERM", "ok"), out);
    }

    @Test
    void unconnectedUdpIsJudgedAtSendmsg() throws Exception {
        EgretDatapath d = open();
        enforce(d, policy("  egress: [{toCIDR: [127.0.0.1/32], toPorts: [{port: 9999, protocol: UDP}]}]\n"));
        assertEquals(List.of("ok", "EPERM"), InCgroup.probe(wl, true,
                "udp", "127.0.0.1", "9999", "udp", "127.0.0.1", "9998"));
        assertEquals(List.of("ok", "EPERM", "EPERM"), InCgroup.probe(wl, false,
                "udp", "127.0.0.1", "9999", "udp", "127.0.0.1", "9998", "udp", "::1", "9999"));
    }

    @Test
    void rawSocketsAreRefused() throws Exception {
        EgretDatapath d = open();
        enforce(d, policy("  egress: [{toCIDR: ['0.0.0.0/0']}]\n"));
        List<String> out = InCgroup.run(wl, List.of("python3", "-c", """
                import socket
                for fam, typ, proto in [(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
                                        (socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6),
                                        (socket.AF_INET, socket.SOCK_STREAM, 0)]:
                    try:
                        socket.socket(fam, typ, proto).close(); print("ok")
                    except PermissionError:
                        print("EPERM")
                """));
        assertEquals(List.of("EPERM", "EPERM", "ok"), out);
    }

    @Test
    void auditModeLetsEverythingThroughAndRecordsWouldBeDenials() throws Exception {
        Servers s = server("127.0.0.1");
        EgretDatapath d = open();
        enforce(d, policy("  mode: audit\n  egress: [{toCIDR: [10.0.0.0/8]}]\n"));
        List<EgressEvent> events = new CopyOnWriteArrayList<>();
        try (RingBuffer ring = d.events(events::add)) {
            assertEquals(List.of("ok"), InCgroup.probe(wl, true, "tcp", "127.0.0.1", Integer.toString(s.port())));
            ring.drain();
        }
        EgressEvent e = events.stream().filter(x -> x.port() == s.port()).findFirst().orElseThrow();
        assertEquals(Verdict.AUDIT_DENY, e.verdict());
        assertEquals(InetAddress.getByName("127.0.0.1"), e.address());
        assertEquals(EgressEvent.Reason.DEFAULT_DENY, e.reason());
        assertEquals(EgressEvent.Hook.CONNECT4, e.hook());
        assertEquals("java", e.comm());
        assertTrue(e.pid() > 0);
        assertEquals(wl.id(), e.cgroupId());
        assertEquals(1, d.counters(wl.id()).audited());
    }

    @Test
    void allowedConnectsReachTheReaderWithoutWakingItDenialsWakeItAtOnce() throws Exception {
        Servers s = server("127.0.0.1");
        String port = Integer.toString(s.port());
        EgretDatapath d = open();
        EgressPolicy p = policy("  egress: [{toCIDR: [127.0.0.1/32]}]\n");
        d.applyPolicy(PolicyCompiler.compile(p, 7));
        d.bindWorkload(wl.id(), new WorkloadEntry(7, false, false, true)); // reports allowed connects, as the node does
        List<EgressEvent> events = new CopyOnWriteArrayList<>();
        try (RingBuffer ring = d.events(events::add)) {
            assertEquals(List.of("ok"), InCgroup.probe(wl, false, "tcp", "127.0.0.1", port));
            assertEquals(0, ring.poll(300), "an allowed connect does not wake the reader");
            assertEquals(1, ring.pollAndDrain(0), "but the next pass reads it");
            assertEquals(Verdict.ALLOW, events.getFirst().verdict());
            assertEquals(List.of("EPERM"), InCgroup.probe(wl, false, "tcp", "127.0.0.2", port));
            assertEquals(1, ring.poll(5000), "a denial wakes the reader");
            assertEquals(Verdict.DENY, events.get(1).verdict());
        }
    }

    @Test
    void learnedIpAllowsUntilItExpires() throws Exception {
        Servers s = server("0.0.0.0");
        EgretDatapath d = open();
        enforce(d, policy("  egress: []\n"));
        String p = Integer.toString(s.port());
        d.learn(new LearnedIp(wl.id(), InetAddress.getByName("127.0.0.3"), System.nanoTime() + 3_000_000_000L,
                new RuleValue(new java.util.TreeSet<>(List.of(new PortRange(s.port(), s.port(), KernelContract.PROTO_TCP))))));
        assertEquals(List.of("ok", "EPERM", "EPERM"), InCgroup.probe(wl, false, "tcp", "127.0.0.3", p,
                "tcp", "127.0.0.4", p, "udpc", "127.0.0.3", p));
        d.learn(new LearnedIp(wl.id(), InetAddress.getByName("127.0.0.3"), System.nanoTime() - 1,
                new RuleValue(new java.util.TreeSet<>(List.of(PortRange.ALL)))));
        assertEquals(List.of("EPERM"), InCgroup.probe(wl, false, "tcp", "127.0.0.3", p));
    }

    /**
     * Two workloads under one policy (slot): an address learned for one is not allowed for the other, which has its
     * own entry or none. The nested cgroup is bound itself, so its tasks are judged as that workload, not its parent.
     */
    @Test
    void aLearnedIpIsAllowedOnlyForTheWorkloadThatLearnedIt() throws Exception {
        Servers s = server("0.0.0.0");
        EgretDatapath d = open();
        enforce(d, policy("  egress: []\n"));
        WorkloadCgroup other = WorkloadCgroup.create(env.mounts, env.parent + "/wl", "other", CgroupLimits.NONE);
        closing.add(other);
        d.bindWorkload(other.id(), new WorkloadEntry(7, false, false, false));
        closing.add(() -> d.unbindWorkload(other.id()));
        String p = Integer.toString(s.port());
        RuleValue all = new RuleValue(new java.util.TreeSet<>(List.of(PortRange.ALL)));
        InetAddress ip = InetAddress.getByName("127.0.0.3");
        d.learn(new LearnedIp(wl.id(), ip, System.nanoTime() + 60_000_000_000L, all));
        assertEquals(List.of("ok"), InCgroup.probe(wl, false, "tcp", "127.0.0.3", p));
        assertEquals(List.of("EPERM"), InCgroup.probe(other, false, "tcp", "127.0.0.3", p), "learned by the other workload");
        d.learn(new LearnedIp(other.id(), ip, System.nanoTime() + 60_000_000_000L, all));
        assertEquals(List.of("ok"), InCgroup.probe(other, false, "tcp", "127.0.0.3", p), "learned by itself now");
        assertEquals(2, d.learnedEntries().size());
    }

    /**
     * A task is judged by its nearest bound ancestor, however deep: here a workload eleven levels below the cgroup2
     * root, whose child's connects must follow it (deny all), not the allowing policy of a shallower ancestor.
     */
    @Test
    void aDeepWorkloadPolicesItsChildCgroups() throws Exception {
        Servers s = server("0.0.0.0");
        EgretDatapath d = open();
        enforce(d, policy("  egress: [{toCIDR: [127.0.0.1/32]}]\n"));
        String chain = env.parent + "/wl/l3/l4/l5/l6/l7/l8/l9/l10";
        WorkloadCgroup deep = WorkloadCgroup.create(env.mounts, chain, "l11", CgroupLimits.NONE);
        WorkloadCgroup child = WorkloadCgroup.create(env.mounts, chain + "/l11", "task", CgroupLimits.NONE);
        closing.add(() -> { // the levels in between, after the two cgroups are gone
            java.nio.file.Path dir = env.mounts.v2Root().resolve(chain);
            while (!dir.equals(env.mounts.v2Root().resolve(env.parent + "/wl"))) {
                java.nio.file.Files.deleteIfExists(dir);
                dir = dir.getParent();
            }
        });
        closing.add(deep);
        closing.add(child);
        assertEquals(12, env.mounts.v2Root().relativize(child.path()).getNameCount(), "the child is at level 12");
        String p = Integer.toString(s.port());
        assertEquals(List.of("ok"), InCgroup.probe(child, false, "tcp", "127.0.0.1", p), "judged as wl while l11 is unbound");
        d.bindWorkload(deep.id(), new WorkloadEntry(9, false, false, false)); // a slot with no rule: nothing allowed
        closing.add(() -> d.unbindWorkload(deep.id()));
        assertEquals(List.of("EPERM"), InCgroup.probe(child, false, "tcp", "127.0.0.1", p), "judged as l11, its nearest");
        assertEquals(List.of("EPERM"), InCgroup.probe(deep, false, "tcp", "127.0.0.1", p));
    }

    /** A pinned link that no longer attaches anything (detached by hand, an uninstall cut short) is not adopted. */
    @Test
    void aDetachedPinnedLinkIsAttachedAgainNotAdopted() throws Exception {
        Servers s = server("0.0.0.0");
        String p = Integer.toString(s.port());
        pinnedAllowingLoopback();
        assertEquals(List.of("ok", "EPERM"), InCgroup.probe(wl, false, "tcp", "127.0.0.1", p, "tcp", "127.0.0.2", p));
        for (java.nio.file.Path pin : linkPins()) {
            try (dev.egret.libbpf.BpfLink link = dev.egret.libbpf.BpfLink.openPinned(pin)) {
                link.detach(); // what bpftool link detach does; the pin stays
            }
        }
        assertEquals(List.of("ok", "ok"), InCgroup.probe(wl, false, "tcp", "127.0.0.1", p, "tcp", "127.0.0.2", p),
                "nothing enforces while the pins remain");
        List<String> fdsBefore = OpenFds.bpfAndCgroup();
        try (EgretDatapath again = EgretDatapath.open(new DatapathConfig(env.pinDir, wl.path(), Map.of()))) {
            assertFalse(again.adopted(), "stale links are attached again, not adopted");
            assertEquals(7, again.workloads().get(wl.id()).slot(), "the maps, and so the policy, are kept");
        }
        assertEquals(fdsBefore, OpenFds.bpfAndCgroup(), "the stale links' fds are closed too");
        assertEquals(List.of("ok", "EPERM"), InCgroup.probe(wl, false, "tcp", "127.0.0.1", p, "tcp", "127.0.0.2", p));
        EgretDatapath.uninstall(env.pinDir);
    }

    /**
     * A datapath pinned by another build (an agent upgrade) runs this build's programs after the open, through the
     * same links and maps: the policy stays in force throughout.
     */
    @Test
    void anUpgradeSwapsTheProgramsOfThePinnedLinksAndKeepsTheirMaps() throws Exception {
        Servers s = server("0.0.0.0");
        String p = Integer.toString(s.port());
        pinnedAllowingLoopback();
        java.nio.file.Path marker = env.pinDir.resolve(EgretDatapath.programsVersion());
        assertTrue(java.nio.file.Files.isDirectory(marker), "the pinned programs' version is marked");
        Map<String, Long> before = linkPrograms();
        java.nio.file.Files.delete(marker);
        java.nio.file.Files.createDirectory(env.pinDir.resolve("programs-0123456789abcdef")); // as an older build left it
        List<String> fdsBefore = OpenFds.bpfAndCgroup();
        // configured sizes that differ from the pinned maps' (a changed --map-sizes) do not stop the upgrade
        try (EgretDatapath again = EgretDatapath.open(new DatapathConfig(env.pinDir, wl.path(),
                Map.of(KernelContract.MAP_LEARNED, 4096)))) {
            assertNull(again.upgradeProblem());
            assertTrue(again.upgraded());
            assertFalse(again.adopted());
            assertEquals(7, again.workloads().get(wl.id()).slot(), "the maps, and so the policy, are kept");
            assertEquals(List.of("ok", "EPERM"), InCgroup.probe(wl, false, "tcp", "127.0.0.1", p, "tcp", "127.0.0.2", p));
        }
        assertEquals(fdsBefore, OpenFds.bpfAndCgroup(), "no fd leaked by the upgrade");
        Map<String, Long> after = linkPrograms();
        assertEquals(before.keySet(), after.keySet(), "the same links");
        before.forEach((link, prog) -> assertNotEquals(prog, after.get(link), link + " runs a newly loaded program"));
        assertTrue(java.nio.file.Files.isDirectory(marker));
        assertFalse(java.nio.file.Files.exists(env.pinDir.resolve("programs-0123456789abcdef")));
        try (EgretDatapath third = EgretDatapath.open(new DatapathConfig(env.pinDir, wl.path(), Map.of()))) {
            assertTrue(third.adopted(), "the same build adopts without reloading");
        }
        assertEquals(after, linkPrograms());
        assertEquals(List.of("ok", "EPERM"), InCgroup.probe(wl, false, "tcp", "127.0.0.1", p, "tcp", "127.0.0.2", p));
        EgretDatapath.uninstall(env.pinDir);
    }

    /** A datapath pinned and left by its loader, policing wl with 127.0.0.1 allowed (slot 7). */
    private void pinnedAllowingLoopback() {
        try (EgretDatapath d = EgretDatapath.open(new DatapathConfig(env.pinDir, wl.path(), Map.of()))) {
            enforce(d, policy("  egress: [{toCIDR: [127.0.0.1/32]}]\n"));
        }
    }

    private Map<String, Long> linkPrograms() throws Exception {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (java.nio.file.Path pin : linkPins()) {
            try (dev.egret.libbpf.BpfLink link = dev.egret.libbpf.BpfLink.openPinned(pin)) {
                out.put(pin.getFileName().toString(), link.programId());
            }
        }
        return out;
    }

    private List<java.nio.file.Path> linkPins() throws Exception {
        try (var pins = java.nio.file.Files.list(env.pinDir)) {
            return pins.filter(f -> f.getFileName().toString().startsWith("link_")).toList();
        }
    }

    @Test
    void enforcementOutlivesTheLoaderAndANewLoaderAdoptsIt() throws Exception {
        Servers s = server("0.0.0.0");
        String p = Integer.toString(s.port());
        List<String> fdsBefore = OpenFds.bpfAndCgroup();
        try (EgretDatapath d = EgretDatapath.open(new DatapathConfig(env.pinDir, wl.path(), Map.of()))) {
            assertFalse(d.adopted());
            enforce(d, policy("  egress: [{toCIDR: [127.0.0.1/32]}]\n"));
        }
        assertEquals(fdsBefore, OpenFds.bpfAndCgroup(), "no BPF or cgroup file descriptor leaked by load, attach and close");
        // nobody holds the datapath now: the pinned links still enforce
        assertEquals(List.of("ok", "EPERM"), InCgroup.probe(wl, false, "tcp", "127.0.0.1", p, "tcp", "127.0.0.2", p));
        try (EgretDatapath again = EgretDatapath.open(new DatapathConfig(env.pinDir, wl.path(), Map.of()))) {
            assertTrue(again.adopted(), "the second loader adopts the pinned programs");
            assertEquals(7, again.workloads().get(wl.id()).slot());
            EgressPolicy changed = policy("  egress: [{toCIDR: [127.0.0.2/32]}]\n");
            again.applyPolicy(PolicyCompiler.compile(changed, 7));
            assertEquals(1, again.usage().get(KernelContract.MAP_ALLOW4)[0], "reconciled by difference to one entry");
        }
        assertEquals(List.of("EPERM", "ok"), InCgroup.probe(wl, false, "tcp", "127.0.0.1", p, "tcp", "127.0.0.2", p));
        assertEquals(fdsBefore, OpenFds.bpfAndCgroup());
        EgretDatapath.uninstall(env.pinDir);
        assertFalse(java.nio.file.Files.exists(env.pinDir));
        assertEquals(List.of("ok", "ok"), InCgroup.probe(wl, false, "tcp", "127.0.0.1", p, "tcp", "127.0.0.2", p),
                "after uninstall nothing is enforced");
    }

    /** An adopted learned map larger than the configured size (an upgrade) is filled only as far as configured. */
    @Test
    void anAdoptedLearnedMapLargerThanConfiguredIsFilledOnlyAsFarAsConfigured() throws Exception {
        try (EgretDatapath first = EgretDatapath.open(new DatapathConfig(env.pinDir, wl.path(), Map.of()))) {
            assertEquals(65536, first.learnedCapacity());
        }
        EgretDatapath d = EgretDatapath.open(new DatapathConfig(env.pinDir, wl.path(),
                Map.of(KernelContract.MAP_LEARNED, 2)));
        closing.add(d);
        assertTrue(d.adopted());
        assertEquals(2, d.learnedCapacity());
        long until = System.nanoTime() + 60_000_000_000L;
        RuleValue all = new RuleValue(new java.util.TreeSet<>(List.of(PortRange.ALL)));
        InetAddress a = InetAddress.getByName("127.0.0.5");
        InetAddress b = InetAddress.getByName("127.0.0.6");
        InetAddress c = InetAddress.getByName("127.0.0.7");
        d.learn(new LearnedIp(wl.id(), a, until, all));
        d.learn(new LearnedIp(wl.id(), b, until, all));
        BpfException full = assertThrows(BpfException.class, () -> d.learn(new LearnedIp(wl.id(), c, until, all)));
        assertTrue(full.isMapFull(), full.getMessage());
        d.learn(new LearnedIp(wl.id(), a, until + 1, all)); // an address already learned is renewed
        BpfBatchException batch = assertThrows(BpfBatchException.class, () -> d.learnBatch(List.of(
                new LearnedIp(wl.id(), b, until + 2, all), new LearnedIp(wl.id(), c, until, all))));
        assertTrue(batch.isMapFull());
        assertEquals(1, batch.done(), "the renewal before the entry that did not fit took effect");
        assertEquals(until + 2, d.learned(wl.id(), b).orElseThrow().expiresNanos());
        assertTrue(d.learned(wl.id(), c).isEmpty());
        assertEquals(2, d.usage().get(KernelContract.MAP_LEARNED)[0], "the kernel's map holds the two");
        assertEquals(2, d.usage().get(KernelContract.MAP_LEARNED)[1],
                "full as the metrics (egret_bpf_map_capacity) and their alerts see it, not at 2 of 65536");
    }

    @Test
    void aFullMapIsReportedNotIgnored() {
        EgretDatapath d = EgretDatapath.open(new DatapathConfig(env.pinDir, wl.path(),
                Map.of(KernelContract.MAP_ALLOW4, 2)));
        closing.add(d);
        BpfException e = assertThrows(BpfException.class, () -> d.applyPolicy(PolicyCompiler.compile(
                policy("  egress: [{toCIDR: [10.0.0.1/32, 10.0.0.2/32, 10.0.0.3/32]}]\n"), 7)));
        assertTrue(e.isMapFull(), e.getMessage());
        assertEquals(2, d.usage().get(KernelContract.MAP_ALLOW4)[1]);
    }
}
