package dev.egret.node.datapath;

import dev.egret.node.cgroup.CgroupLimits;
import dev.egret.node.cgroup.WorkloadCgroup;
import dev.egret.node.testkit.InCgroup;
import dev.egret.node.testkit.PodNetwork;
import dev.egret.node.testkit.TestCgroups;
import dev.egret.policy.PolicyCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DNS redirect hooks with a stand-in proxy: a policed workload's queries to any resolver, UDP (connected and
 * not) and TCP, IPv4 and IPv6, reach the proxy; the answers appear to come from the resolver asked; the proxy
 * learns exactly which cgroup and process sent each query.
 */
class DnsRedirectKernelIT {
    private TestCgroups env;
    private WorkloadCgroup wl;
    private EgretDatapath datapath;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private int proxyPort;
    /** Queries the stand-in proxy left for the test to attribute: family, client address, client port. */
    private final BlockingQueue<Object[]> late = new LinkedBlockingQueue<>();

    @BeforeEach
    void setUp() throws Exception {
        env = new TestCgroups();
        wl = env.workload("dns", CgroupLimits.NONE);
        datapath = EgretDatapath.open(new DatapathConfig(env.pinDir, wl.path(), Map.of()));
        datapath.applyPolicy(PolicyCompiler.compile(PolicyCodec.parseYaml(
                "apiVersion: egret.dev/v1\nkind: EgressPolicy\nmetadata: {name: t}\nspec: {egress: []}\n"), 5));
        datapath.bindWorkload(wl.id(), new WorkloadEntry(5, false, false, false));
        startProxy();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        datapath.close();
        wl.close();
        env.close();
    }

    /** UDP on 127.0.0.1 and ::1 and TCP on 127.0.0.1 and ::1, all on one port; answers name the asking cgroup. */
    private void startProxy() throws IOException {
        for (int attempt = 0; ; attempt++) {
            DatagramSocket u4 = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            try {
                proxyPort = u4.getLocalPort();
                DatagramSocket u6 = new DatagramSocket(new InetSocketAddress("::1", proxyPort));
                ServerSocket t4 = new ServerSocket();
                t4.bind(new InetSocketAddress("127.0.0.1", proxyPort));
                ServerSocket t6 = new ServerSocket();
                t6.bind(new InetSocketAddress("::1", proxyPort));
                closing.addAll(List.of(u4, u6, t4, t6));
                udp(u4, 4);
                udp(u6, 6);
                tcp(t4, 4);
                tcp(t6, 6);
                return;
            } catch (IOException e) {
                u4.close();
                if (attempt > 20) {
                    throw e;
                }
            }
        }
    }

    private String who(int family, int proto, InetAddress from, int port) {
        Optional<DnsClient> c = datapath.dnsClient(family, proto, from, port);
        return c.map(x -> (x.cgroupId() == wl.id() ? "mine" : "cg" + x.cgroupId()) + "/" + x.resolver().getHostAddress()
                + "/" + (x.pid() > 0 ? "pid" : "nopid") + "/" + x.command()).orElse("unknown");
    }

    /** "CGROUPID PID COMMAND" of the query's sender, as the kernel recorded it. */
    private String ids(int family, int proto, InetAddress from, int port) {
        return datapath.dnsClient(family, proto, from, port).map(x -> x.cgroupId() + " " + x.pid() + " " + x.command())
                .orElse("unknown");
    }

    private void udp(DatagramSocket s, int family) {
        Thread.ofPlatform().daemon().start(() -> {
            byte[] buf = new byte[512];
            while (!s.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    s.receive(p);
                    if (p.getLength() > 0 && buf[0] == 'l') { // looked up later, by the test
                        late.add(new Object[]{family, p.getAddress(), p.getPort()});
                        continue;
                    }
                    byte[] answer = (p.getLength() > 0 && buf[0] == 'x' ? ids(family, 17, p.getAddress(), p.getPort())
                            : who(family, 17, p.getAddress(), p.getPort())).getBytes(StandardCharsets.UTF_8);
                    s.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
                } catch (IOException ignored) {
                    // closed
                }
            }
        });
    }

    private void tcp(ServerSocket s, int family) {
        Thread.ofPlatform().daemon().start(() -> {
            while (!s.isClosed()) {
                try (Socket c = s.accept()) {
                    int first = c.getInputStream().read();
                    c.getOutputStream().write((first == 'x' ? ids(family, 6, c.getInetAddress(), c.getPort())
                            : who(family, 6, c.getInetAddress(), c.getPort()))
                            .getBytes(StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // closed
                }
            }
        });
    }

    private static final String CLIENT = """
            import socket
            def show(tag, fn):
                try:
                    print(tag, *fn())
                except PermissionError:
                    print(tag, "EPERM")
                except Exception as e:
                    print(tag, type(e).__name__)
            def udp(fam, host):
                s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(3); s.sendto(b"q", (host, 53))
                d, a = s.recvfrom(512); return a[0], a[1], d.decode()
            def udpc(fam, host):
                s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(3); s.connect((host, 53)); s.send(b"q")
                d = s.recv(512); return s.getpeername()[0], d.decode()
            def tcp(fam, host):
                s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(3); s.connect((host, 53)); s.sendall(b"q")
                d = s.recv(512); return s.getpeername()[0], d.decode()
            def other():
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.settimeout(3); s.connect(("192.0.2.53", 80))
                return ("connected",)
            show("udp4", lambda: udp(socket.AF_INET, "192.0.2.53"))
            show("udp4c", lambda: udpc(socket.AF_INET, "192.0.2.53"))
            show("tcp4", lambda: tcp(socket.AF_INET, "192.0.2.53"))
            show("udp6", lambda: udp(socket.AF_INET6, "2001:db8::53"))
            show("tcp6", lambda: tcp(socket.AF_INET6, "2001:db8::53"))
            show("mapped", lambda: udp(socket.AF_INET6, "::ffff:192.0.2.54"))
            show("other", other)
            """;

    @Test
    void dnsGoesToTheProxyInTheResolversNameAndIsAttributed() throws Exception {
        datapath.redirectDns(proxyPort);
        List<String> out = InCgroup.run(wl, List.of("python3", "-c", CLIENT));
        assertEquals(List.of(
                "udp4 192.0.2.53 53 mine/192.0.2.53/pid/python3",
                "udp4c 192.0.2.53 mine/192.0.2.53/pid/python3",
                "tcp4 192.0.2.53 mine/192.0.2.53/pid/python3",
                "udp6 2001:db8::53 53 mine/2001:db8:0:0:0:0:0:53/pid/python3",
                "tcp6 2001:db8::53 mine/2001:db8:0:0:0:0:0:53/pid/python3",
                "mapped ::ffff:192.0.2.54 53 mine/192.0.2.54/pid/python3",
                "other EPERM"), out);
        assertTrue(datapath.dnsClientLookups()[0] >= 6, "senders read from the shared array, without a syscall: "
                + java.util.Arrays.toString(datapath.dnsClientLookups()));
    }

    /**
     * Two clients whose keys share a slot of the shared array: the later one's record is there, so the earlier one
     * is found in the map instead, and each is still attributed to its own cgroup.
     */
    @Test
    void clientsSharingASlotOfTheSharedArrayAreEachAttributedExactly() throws Exception {
        WorkloadCgroup other = WorkloadCgroup.create(env.mounts, env.parent + "/dns", "slot", CgroupLimits.NONE);
        try {
            datapath.bindWorkload(other.id(), new WorkloadEntry(5, false, false, false));
            datapath.redirectDns(proxyPort);
            byte[] loopback = LearnedIp.mapped(InetAddress.getByName("127.0.0.1"));
            int first = 0;
            int second = 0;
            for (int p = 41000; p < 60000 && second == 0; p++) {
                for (int q = p + 1; q < p + 8000 && q < 61000; q++) {
                    if (DnsAskers.slot(4, 17, p, loopback) == DnsAskers.slot(4, 17, q, loopback)) {
                        first = p;
                        second = q;
                        break;
                    }
                }
            }
            String send = "import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                    + "s.bind(('127.0.0.1',int(sys.argv[1])))\ns.sendto(b'l',('192.0.2.53',53))\n";
            InCgroup.run(wl, List.of("python3", "-c", send, Integer.toString(first)));
            Object[] a = late.poll(5, TimeUnit.SECONDS);
            InCgroup.run(other, List.of("python3", "-c", send, Integer.toString(second)));
            Object[] b = late.poll(5, TimeUnit.SECONDS);
            assertNotNull(a);
            assertNotNull(b);
            assertEquals(List.of(first, second), List.of(a[2], b[2]));
            long[] before = datapath.dnsClientLookups();
            assertEquals(other.id(), datapath.dnsClient(4, 17, (InetAddress) b[1], second).orElseThrow().cgroupId());
            assertEquals(wl.id(), datapath.dnsClient(4, 17, (InetAddress) a[1], first).orElseThrow().cgroupId());
            long[] after = datapath.dnsClientLookups();
            assertEquals(1, after[0] - before[0], "the later client from the shared array");
            assertEquals(1, after[1] - before[1], "the earlier one from the map");
        } finally {
            datapath.unbindWorkload(other.id());
            other.close();
        }
    }

    /**
     * The kernel records the asking command when the query is sent, so it is known after the client is gone (and
     * to an agent that cannot see the client's /proc at all, like the DaemonSet without hostPID). It is the
     * process's command, as /proc/PID/comm shows it, even when a thread with a name of its own sends the query.
     */
    @Test
    void theAskingCommandIsRecordedWhenTheQueryIsSentAndOutlivesTheClient() throws Exception {
        datapath.redirectDns(proxyPort);
        InCgroup.run(wl, List.of("python3", "-c", """
                import ctypes, socket, threading
                def ask():
                    ctypes.CDLL(None).prctl(15, b"resolver-thread", 0, 0, 0)  # PR_SET_NAME: this thread's comm
                    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"l", ("192.0.2.53", 53))
                t = threading.Thread(target=ask); t.start(); t.join()
                """));
        Object[] q = late.poll(5, TimeUnit.SECONDS);
        assertNotNull(q, "the query reached the proxy");
        DnsClient c = datapath.dnsClient((int) q[0], 17, (InetAddress) q[1], (int) q[2]).orElseThrow();
        assertTrue(ProcessHandle.of(c.pid()).isEmpty(), "the client exited before the proxy looked it up");
        assertEquals("python3", c.command());
        assertEquals(wl.id(), c.cgroupId());
    }

    @Test
    void withoutAProxyDnsIsPolicedLikeAnythingElse() throws Exception {
        datapath.redirectDns(0);
        List<String> out = InCgroup.run(wl, List.of("python3", "-c", CLIENT));
        assertEquals(List.of("udp4 EPERM", "udp4c EPERM", "tcp4 EPERM", "udp6 EPERM", "tcp6 EPERM", "mapped EPERM",
                "other EPERM"), out);
    }

    /**
     * A workload in its own network namespace (a pod) cannot reach the node's loopback: its DNS goes to the proxy
     * on an address of the node it can reach, appears to come from the resolver it asked, and is attributed to
     * its cgroup and process by its own source address and port. The node's own workloads keep the loopback.
     */
    @Test
    void aPodsDnsReachesTheProxyOnTheNodesAddress() throws Exception {
        PodNetwork pod = new PodNetwork();
        closing.add(pod);
        InetAddress node = pod.nodeAddress();
        DatagramSocket u = new DatagramSocket(new InetSocketAddress(node, proxyPort));
        ServerSocket t = new ServerSocket();
        t.bind(new InetSocketAddress(node, proxyPort));
        closing.addAll(List.of(u, t));
        udp(u, 4);
        tcp(t, 4);
        datapath.redirectDns(proxyPort, List.of(node));
        String ipv4Only = CLIENT.lines().filter(l -> !l.startsWith("show(\"udp6") && !l.startsWith("show(\"tcp6")
                && !l.startsWith("show(\"mapped")).collect(java.util.stream.Collectors.joining("\n"));
        List<String> inPod = InCgroup.run(wl, List.of("ip", "netns", "exec", pod.namespace(), "python3", "-c", ipv4Only));
        assertEquals(List.of(
                "udp4 192.0.2.53 53 mine/192.0.2.53/pid/python3",
                "udp4c 192.0.2.53 mine/192.0.2.53/pid/python3",
                "tcp4 192.0.2.53 mine/192.0.2.53/pid/python3",
                "other EPERM"), inPod);
        assertEquals("udp4 192.0.2.53 53 mine/192.0.2.53/pid/python3", InCgroup.run(wl, List.of("python3", "-c", CLIENT)).get(0),
                "the node's own workloads still reach the proxy on loopback");
    }

    private static final String CONCURRENT = """
            import os, socket, sys
            expected = sys.argv[1] + " " + str(os.getpid()) + " python3"
            ok = bad = 0
            for i in range(int(sys.argv[2])):
                fam, host = [(socket.AF_INET, "192.0.2.53"), (socket.AF_INET6, "2001:db8::53")][i % 2]
                kind = i % 3
                s = socket.socket(fam, socket.SOCK_STREAM if kind == 2 else socket.SOCK_DGRAM); s.settimeout(1)
                try:
                    if kind == 0:
                        s.sendto(b"x", (host, 53)); d = s.recvfrom(512)[0]
                    else:
                        s.connect((host, 53)); s.send(b"x"); d = s.recv(512)
                    ok, bad = (ok + 1, bad) if d.decode() == expected else (ok, bad + 1)
                except Exception as e:
                    print("failed", type(e).__name__); break
                s.close()
            print("ok", ok, "bad", bad)
            """;

    /**
     * Six processes in two policed cgroups asking at once, UDP (connected and not) and TCP, both families: every query
     * is attributed to its own cgroup, process and command.
     */
    @Test
    void attributionIsExactForConcurrentClientsInSeveralCgroups() throws Exception {
        // nested under the attach point, so it is policed too (its own binding wins over its parent's)
        WorkloadCgroup other = WorkloadCgroup.create(env.mounts, env.parent + "/dns", "other", CgroupLimits.NONE);
        try {
            datapath.bindWorkload(other.id(), new WorkloadEntry(5, false, false, false));
            datapath.redirectDns(proxyPort);
            List<Process> running = new ArrayList<>();
            for (WorkloadCgroup cg : List.of(wl, other, wl, other, wl, other)) {
                running.add(InCgroup.builder(cg, List.of("python3", "-c", CONCURRENT, Long.toString(cg.id()), "150")).start());
            }
            List<String> results = new ArrayList<>();
            for (Process p : running) {
                results.add(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
                p.waitFor();
            }
            assertEquals(java.util.Collections.nCopies(6, "ok 150 bad 0"), results);
            assertTrue(datapath.dnsClientLookups()[0] > 450, "most from the shared array: "
                    + java.util.Arrays.toString(datapath.dnsClientLookups()));
        } finally {
            datapath.unbindWorkload(other.id());
            other.close();
        }
    }
}
