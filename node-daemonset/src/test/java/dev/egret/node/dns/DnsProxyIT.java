package dev.egret.node.dns;

import dev.egret.node.datapath.DnsClient;
import dev.egret.node.datapath.LearnedIp;
import dev.egret.node.testkit.Ports;
import dev.egret.node.testkit.TestDnsServer;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import dev.egret.policy.Verdict;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy on real loopback sockets against a test zone, with the kernel stood in for (every query is the test's
 * workload; learned addresses go to a map): what clients see on the wire, what is learned, what is counted.
 */
class DnsProxyIT {
    private static final long CGROUP = 4242;
    /** The command the stand-in kernel recorded for every query (not this JVM's: the proxy reads no /proc). */
    private static final String COMMAND = "deploy.sh";

    private Vertx vertx;
    private ExecutorService writer;
    private TestDnsServer zone;
    private final Map<InetAddress, LearnedIp> learned = new ConcurrentHashMap<>();
    private final List<DnsQueryEvent> events = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
    private final List<DnsProxy> proxies = new ArrayList<>();
    private final List<AutoCloseable> closing = new ArrayList<>();

    private final DnsDatapath kernel = new DnsDatapath() {
        @Override
        public Optional<DnsClient> client(int family, int protocol, InetAddress client, int clientPort) {
            return Optional.of(new DnsClient(CGROUP, (int) ProcessHandle.current().pid(), COMMAND,
                    InetAddress.getLoopbackAddress(), 53));
        }

        @Override
        public Optional<LearnedIp> learned(long cgroupId, InetAddress address) {
            return Optional.ofNullable(learned.get(address));
        }

        @Override
        public void learn(LearnedIp ip) {
            assertEquals(CGROUP, ip.cgroupId(), "learned for the workload that asked");
            learned.put(ip.address(), ip);
        }

        @Override
        public void learnBatch(List<LearnedIp> entries) {
            batches.add(entries.size());
            entries.forEach(this::learn);
        }
    };
    /** The sizes of the batches the proxy wrote. */
    private final List<Integer> batches = new CopyOnWriteArrayList<>();

    private final DnsMetrics metrics = new DnsMetrics() {
        @Override
        public void error(String reason) {
            errors.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
        }
    };

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)); // as the agent runs it
        writer = Executors.newSingleThreadExecutor();
        zone = new TestDnsServer().add("allowed.test. 60 A 127.0.0.1").add("slow.test. 60 A 127.0.0.7")
                .add("denied.test. 60 A 127.0.0.2").add("protected.test. 60 A 127.0.0.8").delay("slow.test", 600);
        for (int i = 1; i <= 40; i++) {
            zone.add("big.test. 60 A 127.3.0." + i);
        }
        for (int i = 1; i <= 150; i++) {
            zone.add("huge.test. 60 A 127.4." + (i / 200) + "." + (i % 200 + 1));
        }
        for (int i = 0; i < 200; i++) {
            zone.add("n" + i + ".burst.test. 60 A 127.6." + (i / 100) + "." + (i % 100 + 1));
        }
        for (int i = 0; i < 20; i++) { // answered together, late
            zone.add("m" + i + ".slow.test. 60 A 127.7.0." + (i + 1)).delay("m" + i + ".slow.test", 600);
        }
        for (int i = 1; i <= 400; i++) { // over 6 KB: more than the proxy takes over UDP
            zone.add("giant.test. 60 A 127.5." + (i / 200) + "." + (i % 200 + 1));
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        proxies.forEach(DnsProxy::close);
        for (AutoCloseable c : closing) {
            c.close();
        }
        zone.close();
        writer.shutdownNow();
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    private static final String POLICY = """
            apiVersion: egret.dev/v1
            kind: EgressPolicy
            metadata: {name: p}
            spec:
              egress: [{toFQDNs: [{matchName: allowed.test}, {matchName: slow.test}, {matchName: big.test},
                                  {matchName: huge.test}, {matchName: giant.test}, {matchName: protected.test},
                                  {matchPattern: "*.burst.test"}, {matchPattern: "*.slow.test"}],
                      toPorts: [{port: 443}]}]
              protects: [protected.test]
              dns: {deniedResponse: %s}
            """;

    private DnsProxy proxy(String upstream, String deniedResponse, Duration timeout) {
        return proxy(List.of(upstream), deniedResponse, timeout);
    }

    private DnsProxy proxy(List<String> upstreams, String deniedResponse, Duration timeout) {
        EgressPolicy policy = PolicyCodec.parseYaml(POLICY.formatted(deniedResponse));
        WorkloadPolicies policies = id -> id == CGROUP ? Optional.of(new WorkloadPolicies.Bound("wl", policy)) : Optional.empty();
        return proxy(upstreams, policies, timeout);
    }

    private DnsProxy proxy(List<String> upstreams, WorkloadPolicies policies, Duration timeout) {
        DnsProxy p = new DnsProxy(vertx, kernel, policies, new DnsProxyConfig(
                upstreams.stream().map(DnsProxyConfig::parseUpstream).toList(),
                timeout, Duration.ZERO, Duration.ofSeconds(2)), events::add, writer, metrics);
        proxies.add(p);
        p.start();
        return p;
    }

    private DnsProxy proxy() {
        return proxy(zone.upstream(), "refused", Duration.ofSeconds(2));
    }

    private static byte[] query(String name, int type, int id, Integer ednsSize) throws IOException {
        Message m = Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN));
        m.getHeader().setID(id);
        if (ednsSize != null) {
            m.addRecord(new OPTRecord(ednsSize, 0, 0), Section.ADDITIONAL);
        }
        return m.toWire();
    }

    private static Message udp(int port, byte[] query) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(5000);
            s.send(new DatagramPacket(query, query.length, InetAddress.getLoopbackAddress(), port));
            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            s.receive(p);
            return new Message(Arrays.copyOf(buf, p.getLength()));
        }
    }

    private static void writeFrame(DataOutputStream out, byte[] m) throws IOException {
        out.writeShort(m.length);
        out.write(m);
        out.flush();
    }

    private static Message readFrame(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readUnsignedShort()];
        in.readFully(b);
        return new Message(b);
    }

    private static List<String> addresses(Message m) {
        return m.getSection(Section.ANSWER).stream().filter(r -> r instanceof ARecord)
                .map(r -> ((ARecord) r).getAddress().getHostAddress()).toList();
    }

    private Set<String> learnedText() {
        return learned.keySet().stream().map(InetAddress::getHostAddress).collect(Collectors.toSet());
    }

    private int errors(String reason) {
        AtomicInteger n = errors.get(reason);
        return n == null ? 0 : n.get();
    }

    @Test
    void udpRunsWithBatchedReadsAndWrites() {
        assertTrue(vertx.isNativeTransportEnabled(), "Vert.x on epoll: " + vertx.unavailableNativeTransportCause());
        assertTrue(proxy().batchedUdp(), "the proxy's UDP sockets read with recvmmsg and send with sendmmsg");
    }

    @Test
    void itSaysWhetherItServesUdpForTheAgentsLiveness() {
        DnsProxy p = proxy();
        assertTrue(p.servingUdp(), "started");
        p.close();
        assertFalse(p.servingUdp(), "closed: its UDP thread ended");
    }

    @Test
    void onNioTheProxyAnswersAndLearnsAlike() throws Exception {
        Vertx nio = Vertx.vertx();
        try {
            EgressPolicy policy = PolicyCodec.parseYaml(POLICY.formatted("refused"));
            WorkloadPolicies policies = id -> Optional.of(new WorkloadPolicies.Bound("wl", policy));
            DnsProxy p = new DnsProxy(nio, kernel, policies, new DnsProxyConfig(List.of(DnsProxyConfig.parseUpstream(
                    zone.upstream())), Duration.ofSeconds(2), Duration.ZERO, Duration.ofSeconds(2)), events::add, writer, metrics);
            proxies.add(p);
            p.start();
            assertTrue(p.batchedUdp(), "UDP has its own transport, whatever Vert.x runs on");
            for (int i = 0; i < 3; i++) {
                Message a = udp(p.port(), query("big.test", Type.A, 900 + i, 4096));
                assertEquals(900 + i, a.getHeader().getID());
                assertEquals(40, addresses(a).size());
            }
            assertEquals(Set.copyOf(addresses(udp(p.port(), query("big.test", Type.A, 999, 4096)))), learnedText());
            assertEquals(Rcode.REFUSED, udp(p.port(), query("denied.test", Type.A, 998, null)).getRcode());
        } finally {
            proxies.forEach(DnsProxy::close);
            proxies.clear();
            nio.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    @Test
    void answersAreLearnedAndReleasedWhileTheDatapathThreadIsBusy() throws Exception {
        // the datapath's writer thread applies policies (thousands of map writes); answers must not queue behind it
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch blocking = new CountDownLatch(1);
        writer.execute(() -> {
            blocking.countDown();
            try {
                busy.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(blocking.await(5, TimeUnit.SECONDS));
        try {
            DnsProxy p = proxy();
            Message a = udp(p.port(), query("allowed.test", Type.A, 4711, null));
            assertEquals(Rcode.NOERROR, a.getRcode(), a.toString());
            assertEquals(List.of("127.0.0.1"), addresses(a));
            assertEquals(Set.of("127.0.0.1"), learnedText(), "the address is in the kernel when the answer is out");
            assertEquals(0, errors("datapath_timeout"));
        } finally {
            busy.countDown();
        }
    }

    @Test
    void anEdnsAnswerLargerThanNettysDefaultDatagramPassesIntactAndEveryAddressIsLearned() throws Exception {
        DnsProxy p = proxy();
        Message a = udp(p.port(), query("huge.test", Type.A, 777, 4096));
        assertEquals(777, a.getHeader().getID());
        assertFalse(a.getHeader().getFlag(Flags.TC), a.toString());
        assertEquals(150, addresses(a).size());
        assertTrue(a.numBytes() > 2048, "the answer is " + a.numBytes() + " bytes");
        assertEquals(Set.copyOf(addresses(a)), learnedText());
        assertEquals(0, errors("malformed_upstream"));
    }

    @Test
    void aBurstOfAnswersIsWrittenInBatchesAndEachIsReleasedOnlyWithItsAddressInTheKernel() throws Exception {
        DnsProxy p = proxy();
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(5000);
            s.setReceiveBufferSize(1 << 20);
            for (int i = 0; i < 200; i++) {
                byte[] q = query("n" + i + ".burst.test", Type.A, 1000 + i, null);
                s.send(new DatagramPacket(q, q.length, InetAddress.getLoopbackAddress(), p.port()));
            }
            Set<Integer> ids = new java.util.HashSet<>();
            byte[] buf = new byte[4096];
            for (int i = 0; i < 200; i++) {
                DatagramPacket d = new DatagramPacket(buf, buf.length);
                s.receive(d);
                Message a = new Message(Arrays.copyOf(buf, d.getLength()));
                List<String> addrs = addresses(a);
                assertEquals(1, addrs.size(), a.toString());
                assertTrue(learnedText().contains(addrs.getFirst()), "in the kernel before the answer was out: " + addrs);
                ids.add(a.getHeader().getID());
            }
            assertEquals(200, ids.size(), "every query answered once");
        }
        assertTrue(batches.stream().anyMatch(n -> n > 1), "answers read together were written together: " + batches);
        assertEquals(200, learned.keySet().stream().filter(a -> a.getHostAddress().startsWith("127.6.")).count());
    }

    @Test
    void aClientAdvertisingMoreThanTheProxyTakesGetsTcAndTheWholeAnswerOverTcp() throws Exception {
        DnsProxy p = proxy();
        Message a = udp(p.port(), query("giant.test", Type.A, 5, 65535));
        assertEquals(5, a.getHeader().getID());
        assertTrue(a.getHeader().getFlag(Flags.TC), "an answer over " + DnsProxy.MAX_UDP_ANSWER + " bytes: " + a.numBytes());
        assertTrue(a.numBytes() <= DnsProxy.MAX_UDP_ANSWER);
        try (Socket s = new Socket("127.0.0.1", p.port())) {
            s.setSoTimeout(5000);
            writeFrame(new DataOutputStream(s.getOutputStream()), query("giant.test", Type.A, 6, 65535));
            Message full = readFrame(new DataInputStream(s.getInputStream()));
            assertFalse(full.getHeader().getFlag(Flags.TC));
            assertEquals(400, addresses(full).size());
            assertEquals(Set.copyOf(addresses(full)), learnedText());
        }
        assertEquals(0, errors("malformed_upstream"));
    }

    @Test
    void aTruncatedAnswerKeepsTcAndTheTcpRetryGetsEveryAddress() throws Exception {
        DnsProxy p = proxy();
        Message a = udp(p.port(), query("big.test", Type.A, 1, null));
        assertTrue(a.getHeader().getFlag(Flags.TC), a.toString());
        assertTrue(addresses(a).size() < 40);
        try (Socket s = new Socket("127.0.0.1", p.port())) {
            s.setSoTimeout(5000);
            writeFrame(new DataOutputStream(s.getOutputStream()), query("big.test", Type.A, 2, null));
            Message full = readFrame(new DataInputStream(s.getInputStream()));
            assertFalse(full.getHeader().getFlag(Flags.TC));
            assertEquals(40, addresses(full).size());
            assertEquals(Set.copyOf(addresses(full)), learnedText());
        }
        assertTrue(zone.tcpQueries.get() >= 1, "the retry went upstream over TCP");
    }

    /**
     * A workload bound to whatever {@code bound} holds (unbound when it holds null), warmed up by one query answered
     * (so the tests' queries are decided at once, even as the first of a fresh JVM).
     */
    private DnsProxy proxyFollowing(AtomicReference<EgressPolicy> bound) throws IOException {
        DnsProxy p = proxy(List.of(zone.upstream()), id -> id == CGROUP && bound.get() != null
                ? Optional.of(new WorkloadPolicies.Bound("wl", bound.get())) : Optional.empty(), Duration.ofSeconds(2));
        assertEquals(Rcode.NOERROR, udp(p.port(), query("allowed.test", Type.A, 1, null)).getRcode());
        return p;
    }

    /** Asks for slow.test (its answer takes 600 ms), moves the workload meanwhile, returns the answer. */
    private Message slowWhile(DnsProxy p, int id, Runnable meanwhile) throws Exception {
        CompletableFuture<Message> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return udp(p.port(), query("slow.test", Type.A, id, null));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Thread.sleep(200); // decided and at the upstream by now
        meanwhile.run();
        return answer.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aQueryInFlightWhileItsWorkloadMovesToAnotherPolicyOrLosesItLeavesNoAddressBehind() throws Exception {
        EgressPolicy old = PolicyCodec.parseYaml(POLICY.formatted("refused"));
        EgressPolicy other = PolicyCodec.parseYaml("""
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: q}
                spec:
                  egress: [{toFQDNs: [{matchName: allowed.test}], toPorts: [{port: 443}]}]
                """);
        AtomicReference<EgressPolicy> bound = new AtomicReference<>(old);
        DnsProxy p = proxyFollowing(bound);

        Message moved = slowWhile(p, 31, () -> bound.set(other));
        assertEquals(Rcode.SERVFAIL, moved.getRcode(), "decided under p, answered after the move to q: " + moved);
        assertFalse(learnedText().contains("127.0.0.7"), "nothing p allowed is learned for a workload q polices: " + learnedText());
        assertEquals(1, errors("policy_changed"));
        assertEquals(Rcode.REFUSED, udp(p.port(), query("slow.test", Type.A, 32, null)).getRcode(),
                "asked again, q decides");

        bound.set(old);
        Message unbound = slowWhile(p, 33, () -> bound.set(null));
        assertEquals(Rcode.SERVFAIL, unbound.getRcode(), "answered after the workload was unbound: " + unbound);
        assertFalse(learnedText().contains("127.0.0.7"), learnedText().toString());
        assertEquals(2, errors("policy_changed"));
    }

    @Test
    void answersArrivingTogetherAfterTheirWorkloadMovedAreAllRefusedAndNoneIsLearned() throws Exception {
        AtomicReference<EgressPolicy> bound = new AtomicReference<>(PolicyCodec.parseYaml(POLICY.formatted("refused")));
        DnsProxy p = proxyFollowing(bound);
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(5000);
            for (int i = 0; i < 20; i++) {
                byte[] q = query("m" + i + ".slow.test", Type.A, 2000 + i, null);
                s.send(new DatagramPacket(q, q.length, InetAddress.getLoopbackAddress(), p.port()));
            }
            Thread.sleep(200); // all decided, their answers due together in 400 ms
            bound.set(null);
            byte[] buf = new byte[4096];
            Set<Integer> ids = new java.util.HashSet<>();
            for (int i = 0; i < 20; i++) {
                DatagramPacket d = new DatagramPacket(buf, buf.length);
                s.receive(d);
                Message a = new Message(Arrays.copyOf(buf, d.getLength()));
                assertEquals(Rcode.SERVFAIL, a.getRcode(), a.toString());
                ids.add(a.getHeader().getID());
            }
            assertEquals(20, ids.size(), "every query answered once");
        }
        assertTrue(learnedText().stream().noneMatch(a -> a.startsWith("127.7.")), learnedText().toString());
        assertEquals(20, errors("policy_changed"));
    }

    @Test
    void aQueryInFlightWhileItsPolicyIsEditedIsLearnedAsBefore() throws Exception {
        AtomicReference<EgressPolicy> bound = new AtomicReference<>(PolicyCodec.parseYaml(POLICY.formatted("refused")));
        DnsProxy p = proxyFollowing(bound);
        Message edited = slowWhile(p, 41, () -> bound.set(PolicyCodec.parseYaml(POLICY.formatted("nxdomain"))));
        assertEquals(Rcode.NOERROR, edited.getRcode(), edited.toString());
        assertEquals(List.of("127.0.0.7"), addresses(edited));
        assertTrue(learnedText().contains("127.0.0.7"), "the same policy, edited, still polices the workload");
        assertEquals(0, errors("policy_changed"));
    }

    @Test
    void pipelinedTcpQueriesAreAnsweredAsTheyCompleteOnOneConnection() throws Exception {
        DnsProxy p = proxy();
        try (Socket s = new Socket("127.0.0.1", p.port())) {
            s.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            writeFrame(out, query("slow.test", Type.A, 11, null));
            writeFrame(out, query("allowed.test", Type.A, 12, null));
            writeFrame(out, query("denied.test", Type.A, 13, null));
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Message m = readFrame(in);
                got.add(m.getHeader().getID() + " " + Rcode.string(m.getRcode()) + " " + addresses(m));
            }
            assertEquals(Set.of("12 NOERROR [127.0.0.1]", "13 REFUSED []", "11 NOERROR [127.0.0.7]"), Set.copyOf(got));
            assertEquals("11 NOERROR [127.0.0.7]", got.get(2), "the slow answer comes last, the others did not wait: " + got);
        }
    }

    @Test
    void aTcpClientThatHalfClosesAfterItsQueriesGetsEveryAnswerThenTheConnectionCloses() throws Exception {
        DnsProxy p = proxy();
        try (Socket s = new Socket("127.0.0.1", p.port())) {
            s.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            writeFrame(out, query("slow.test", Type.A, 14, null));
            writeFrame(out, query("allowed.test", Type.A, 15, null));
            writeFrame(out, query("denied.test", Type.A, 16, null));
            s.shutdownOutput();
            DataInputStream in = new DataInputStream(s.getInputStream());
            Set<String> got = new java.util.HashSet<>();
            for (int i = 0; i < 3; i++) {
                Message m = readFrame(in);
                got.add(m.getHeader().getID() + " " + Rcode.string(m.getRcode()) + " " + addresses(m));
            }
            assertEquals(Set.of("14 NOERROR [127.0.0.7]", "15 NOERROR [127.0.0.1]", "16 REFUSED []"), got);
            assertEquals(-1, in.read(), "the proxy closes after the last answer");
        }
    }

    /**
     * Queries leave for the upstream from a fresh random port every so often, and answers still reach the port their
     * query left from; a forged answer to the right ID sent to another of the proxy's ports is not taken.
     */
    @Test
    void queriesGoUpstreamFromChangingPortsAndOnlyTheQuerysPortTakesItsAnswer() throws Exception {
        Set<Integer> sourcePorts = java.util.concurrent.ConcurrentHashMap.newKeySet();
        DatagramSocket upstream = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        closing.add(upstream);
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[4096];
            while (!upstream.isClosed()) {
                try {
                    DatagramPacket in = new DatagramPacket(buf, buf.length);
                    upstream.receive(in);
                    Message q = new Message(java.util.Arrays.copyOf(in.getData(), in.getLength()));
                    java.net.SocketAddress to = in.getSocketAddress();
                    if (q.getQuestion().getName().toString().startsWith("forged.")) { // to another port of the proxy's
                        int other = sourcePorts.stream().filter(port -> port != in.getPort()).findFirst().orElseThrow();
                        to = new InetSocketAddress(in.getAddress(), other);
                    }
                    sourcePorts.add(in.getPort());
                    Message a = new Message(q.getHeader().getID());
                    a.getHeader().setFlag(org.xbill.DNS.Flags.QR);
                    a.addRecord(q.getQuestion(), Section.QUESTION);
                    a.addRecord(new org.xbill.DNS.ARecord(q.getQuestion().getName(), DClass.IN, 60,
                            InetAddress.getByName("127.0.0.1")), Section.ANSWER);
                    byte[] out = a.toWire();
                    upstream.send(new DatagramPacket(out, out.length, to));
                } catch (IOException e) {
                    return; // closed
                }
            }
        });
        EgressPolicy policy = PolicyCodec.parseYaml(POLICY.formatted("refused"));
        DnsProxy p = new DnsProxy(vertx, kernel, id -> id == CGROUP ? Optional.of(new WorkloadPolicies.Bound("wl", policy))
                : Optional.empty(), new DnsProxyConfig(List.of(DnsProxyConfig.parseUpstream("127.0.0.1:" + upstream.getLocalPort())),
                Duration.ofSeconds(2), Duration.ZERO, Duration.ofSeconds(2)), events::add, writer, metrics);
        proxies.add(p);
        p.upstreamPortMillis(150);
        p.start();
        long until = System.nanoTime() + Duration.ofMillis(900).toNanos();
        int id = 100;
        while (System.nanoTime() < until) {
            Message m = udp(p.port(), query("allowed.test", Type.A, id++, null));
            assertEquals(Rcode.NOERROR, m.getRcode());
            assertEquals("[127.0.0.1]", addresses(m).toString());
            Thread.sleep(20);
        }
        assertTrue(sourcePorts.size() >= 3, "the upstream saw the queries come from " + sourcePorts);
        assertEquals(0, errors("upstream_mismatch"));
        Message forged = udp(p.port(), query("forged.burst.test", Type.A, 999, null));
        assertEquals(Rcode.SERVFAIL, forged.getRcode(), "the answer reached another port than its query's: not taken");
        assertEquals(1, errors("upstream_mismatch"));
    }

    /**
     * A workload with its quota of UDP queries at the upstreams gets SERVFAIL for the next one at once; each answer
     * gives its place back, so a workload that asks one query at a time is never held back however many it asks.
     */
    @Test
    void aWorkloadAtItsQuotaOfUpstreamQueriesGetsServfailAndAnswersGiveThePlacesBack() throws Exception {
        EgressPolicy policy = PolicyCodec.parseYaml(POLICY.formatted("refused"));
        DnsProxy p = new DnsProxy(vertx, kernel, id -> id == CGROUP ? Optional.of(new WorkloadPolicies.Bound("wl", policy))
                : Optional.empty(), new DnsProxyConfig(List.of(DnsProxyConfig.parseUpstream(zone.upstream())),
                Duration.ofSeconds(2), Duration.ZERO, Duration.ofSeconds(2)), events::add, writer, metrics);
        proxies.add(p);
        p.udpQuotaPerWorkload(2);
        p.start();
        for (int i = 0; i < 10; i++) { // one at a time: more queries than the quota, all answered
            assertEquals(Rcode.NOERROR, udp(p.port(), query("allowed.test", Type.A, 300 + i, null)).getRcode());
        }
        var clients = Executors.newVirtualThreadPerTaskExecutor(); // both at once (the common pool may have one thread)
        closing.add(clients::shutdownNow);
        var slow = java.util.stream.IntStream.range(0, 2).mapToObj(i -> clients.submit(
                () -> udp(p.port(), query("m" + i + ".slow.test", Type.A, 400 + i, null)).getRcode())).toList();
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (p.pendingUpstream() < 2) { // both slow queries are at the upstream (600 ms)
            assertTrue(System.nanoTime() < deadline, "two queries pending");
            Thread.sleep(5);
        }
        assertEquals(Rcode.SERVFAIL, udp(p.port(), query("allowed.test", Type.A, 500, null)).getRcode(), "at its quota");
        assertEquals(1, errors("workload_busy"));
        for (var f : slow) {
            assertEquals(Rcode.NOERROR, f.get(5, TimeUnit.SECONDS));
        }
        assertEquals(Rcode.NOERROR, udp(p.port(), query("allowed.test", Type.A, 501, null)).getRcode(), "places given back");
    }

    /** A TCP upstream that takes every connection and answers nothing until {@link #answer} is called. */
    private static final class HeldTcpUpstream implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
        final AtomicInteger accepted = new AtomicInteger();
        final CountDownLatch answering = new CountDownLatch(1);
        private final List<Socket> open = new CopyOnWriteArrayList<>();

        HeldTcpUpstream() throws IOException {
            Thread.ofPlatform().daemon().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        accepted.incrementAndGet();
                        open.add(s);
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException ignored) {
                        // closed
                    }
                }
            });
        }

        private void serve(Socket s) {
            try {
                Message q = readFrame(new DataInputStream(s.getInputStream()));
                answering.await();
                writeFrame(new DataOutputStream(s.getOutputStream()), DnsProxyIT.answer(q.getHeader().getID(),
                        q.getQuestion().getName().toString(true), "127.0.0.1"));
            } catch (IOException | InterruptedException ignored) {
                // the proxy gave up on it
            }
        }

        String upstream() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        void answer() {
            answering.countDown();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }

    private static void awaitAtLeast(AtomicInteger n, int value) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (n.get() < value && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void queriesPipelinedOnOneTcpConnectionHoldAtMost32UpstreamConnectionsAndAreAllAnswered() throws Exception {
        HeldTcpUpstream up = new HeldTcpUpstream();
        closing.add(up);
        DnsProxy p = proxy(up.upstream(), "refused", Duration.ofSeconds(10));
        int queries = 300;
        try (Socket s = new Socket("127.0.0.1", p.port())) {
            s.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(s.getOutputStream()));
            for (int i = 0; i < queries; i++) {
                byte[] q = query("allowed.test", Type.A, 1000 + i, null);
                out.writeShort(q.length);
                out.write(q);
            }
            out.flush();
            awaitAtLeast(up.accepted, DnsTcpConnection.MAX_IN_FLIGHT);
            Thread.sleep(300); // time for more, were the proxy to open more
            assertEquals(DnsTcpConnection.MAX_IN_FLIGHT, up.accepted.get(), "upstream connections opened for one client");
            assertEquals(DnsTcpConnection.MAX_IN_FLIGHT, p.openUpstreamConnections());
            up.answer();
            DataInputStream in = new DataInputStream(s.getInputStream());
            Set<Integer> ids = new java.util.HashSet<>();
            for (int i = 0; i < queries; i++) {
                Message m = readFrame(in);
                assertEquals(Rcode.NOERROR, m.getRcode(), "answer " + i + ": " + m);
                assertEquals(List.of("127.0.0.1"), addresses(m));
                ids.add(m.getHeader().getID());
            }
            assertEquals(queries, ids.size(), "every query answered once");
        }
        assertEquals(queries, up.accepted.get());
        assertEquals(0, errors("tcp_busy"));
    }

    @Test
    void beyond256TcpQueriesAtTheUpstreamsTheNextGetServfailAtOnceCountedAsTcpBusy() throws Exception {
        HeldTcpUpstream up = new HeldTcpUpstream();
        closing.add(up);
        DnsProxy p = proxy(up.upstream(), "refused", Duration.ofSeconds(10));
        int connections = DnsProxy.MAX_TCP_UPSTREAM / DnsTcpConnection.MAX_IN_FLIGHT + 1;
        AtomicInteger servfails = new AtomicInteger();
        List<Socket> clients = new ArrayList<>();
        try {
            for (int c = 0; c < connections; c++) {
                Socket s = new Socket("127.0.0.1", p.port());
                clients.add(s);
                DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(s.getOutputStream()));
                for (int i = 0; i < DnsTcpConnection.MAX_IN_FLIGHT; i++) {
                    byte[] q = query("allowed.test", Type.A, c * 100 + i, null);
                    out.writeShort(q.length);
                    out.write(q);
                }
                out.flush();
                Thread.ofVirtual().start(() -> {
                    try {
                        DataInputStream in = new DataInputStream(s.getInputStream());
                        while (true) {
                            if (readFrame(in).getRcode() == Rcode.SERVFAIL) {
                                servfails.incrementAndGet();
                            }
                        }
                    } catch (IOException ignored) {
                        // closed
                    }
                });
            }
            awaitAtLeast(servfails, DnsTcpConnection.MAX_IN_FLIGHT);
            awaitAtLeast(up.accepted, DnsProxy.MAX_TCP_UPSTREAM);
            Thread.sleep(300);
            assertEquals(DnsTcpConnection.MAX_IN_FLIGHT, servfails.get(), "the queries beyond the cap, at once");
            assertEquals(DnsTcpConnection.MAX_IN_FLIGHT, errors("tcp_busy"));
            assertEquals(DnsProxy.MAX_TCP_UPSTREAM, up.accepted.get());
            assertEquals(DnsProxy.MAX_TCP_UPSTREAM, p.openUpstreamConnections());
        } finally {
            for (Socket s : clients) {
                s.close();
            }
        }
    }

    @Test
    void malformedInputIsCountedAndDroppedAndTheProxyKeepsAnswering() throws Exception {
        DnsProxy p = proxy();
        Random rnd = new Random(20240607);
        int sent = 0;
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(5000);
            for (int round = 0; round < 30; round++) {
                for (int i = 0; i < 100; i++) {
                    byte[] junk = new byte[rnd.nextInt(200)];
                    rnd.nextBytes(junk);
                    if (junk.length > 2) {
                        junk[2] |= (byte) 0x80; // QR set: a response is never a query, so each is malformed for sure
                    }
                    if (i == 0) {
                        junk = Arrays.copyOf(query("allowed.test", Type.A, 5, null), 20); // cut short
                    }
                    s.send(new DatagramPacket(junk, junk.length, InetAddress.getLoopbackAddress(), p.port()));
                    sent++;
                }
                // a good query after them: answered, and only it (the socket's datagrams are read in order)
                byte[] good = query("allowed.test", Type.A, 1000 + round, null);
                s.send(new DatagramPacket(good, good.length, InetAddress.getLoopbackAddress(), p.port()));
                DatagramPacket reply = new DatagramPacket(new byte[512], 512);
                s.receive(reply);
                assertEquals(1000 + round, new Message(Arrays.copyOf(reply.getData(), reply.getLength())).getHeader().getID());
            }
        }
        // TCP: a frame too short to be a message closes the connection, and nothing is answered
        try (Socket s = new Socket("127.0.0.1", p.port())) {
            s.setSoTimeout(5000);
            new DataOutputStream(s.getOutputStream()).write(new byte[]{0, 0, 0, 3, 1, 2, 3});
            assertEquals(-1, s.getInputStream().read());
        }
        assertEquals(sent + 1, errors("malformed"));
        Message ok = udp(p.port(), query("allowed.test", Type.A, 6, null));
        assertEquals(List.of("127.0.0.1"), addresses(ok));
    }

    @Test
    void spoofedOrStrayUpstreamDatagramsAreIgnoredAndOnlyTheRealAnswerCounts() throws Exception {
        DatagramSocket up = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        DatagramSocket stranger = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        closing.add(up);
        closing.add(stranger);
        Thread.ofPlatform().daemon().start(() -> {
            try {
                byte[] buf = new byte[4096];
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                up.receive(p);
                Message q = new Message(Arrays.copyOf(buf, p.getLength()));
                int id = q.getHeader().getID();
                // another question under the right ID, from the right upstream
                send(up, answer(id, "evil.test", "6.6.6.6"), p);
                // the right question from another port
                send(stranger, answer(id, "allowed.test", "6.6.6.7"), p);
                Thread.sleep(50);
                send(up, answer(id, "allowed.test", "127.0.0.1"), p);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        DnsProxy p = proxy("127.0.0.1:" + up.getLocalPort(), "refused", Duration.ofSeconds(2));
        Message a = udp(p.port(), query("allowed.test", Type.A, 9, null));
        assertEquals(List.of("127.0.0.1"), addresses(a));
        assertEquals(Set.of("127.0.0.1"), learnedText());
        assertEquals(2, errors("upstream_mismatch"));
    }

    /** BIND and Unbound answer some queries with an error and no question: the client gets that error, at once. */
    @Test
    void anUpstreamErrorWithoutQuestionIsRelayedAtOnceForTheClientsQuestion() throws Exception {
        DatagramSocket up = answeringOnce(query -> {
            Message formerr = new Message(query.getHeader().getID());
            formerr.getHeader().setFlag(Flags.QR);
            formerr.getHeader().setRcode(Rcode.FORMERR); // QDCOUNT 0
            return formerr.toWire();
        });
        DnsProxy p = proxy("127.0.0.1:" + up.getLocalPort(), "refused", Duration.ofSeconds(2));
        long t0 = System.nanoTime();
        Message a = udp(p.port(), query("allowed.test", Type.A, 77, null));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Rcode.FORMERR, a.getRcode());
        assertEquals(77, a.getHeader().getID());
        assertEquals("allowed.test.", a.getQuestion().getName().toString());
        assertTrue(ms < 1000, "at once, not at the 2 s timeout: " + ms + " ms");
        assertEquals(0, errors("upstream_mismatch"));
        assertEquals(0, errors("upstream_timeout"));
        assertTrue(learned.isEmpty());
    }

    /**
     * An upstream that ignores the EDNS size asked for and sends more than the proxy reads: the client gets the answer
     * marked truncated (TC) and so asks again over TCP (before, it got the cut bytes as if whole).
     */
    @Test
    void anUpstreamAnswerLargerThanTheProxyReadsReachesTheClientMarkedTruncated() throws Exception {
        DatagramSocket up = answeringOnce(query -> {
            Message big = new Message(query.getHeader().getID());
            big.getHeader().setFlag(Flags.QR);
            Name n = Name.fromString("allowed.test.");
            big.addRecord(Record.newRecord(n, Type.A, DClass.IN), Section.QUESTION);
            for (int i = 0; i < 400; i++) { // 400 A records: about 6.4 KB, no TC flag
                big.addRecord(new ARecord(n, DClass.IN, 60, InetAddress.getByAddress(new byte[]{10, 9, (byte) (i >> 8), (byte) i})), Section.ANSWER);
            }
            byte[] wire = big.toWire();
            assertTrue(wire.length > DnsProxy.MAX_UDP_ANSWER, "the fake upstream's answer is larger: " + wire.length);
            return wire;
        });
        DnsProxy p = proxy("127.0.0.1:" + up.getLocalPort(), "refused", Duration.ofSeconds(2));
        Message a = udp(p.port(), query("allowed.test", Type.A, 78, 4096)); // dnsjava keeps what parses of a TC answer
        assertEquals(78, a.getHeader().getID());
        assertTrue(a.getHeader().getFlag(Flags.TC), "marked truncated: " + a.getHeader());
        // what parses of the cut answer is the upstream's answer for an allowed name, as with any TC answer
        assertTrue(learnedText().size() < 400, "at most what the cut answer holds: " + learnedText().size());
        assertTrue(learnedText().stream().allMatch(ip -> ip.startsWith("10.9.")), "only the answer's own addresses");
    }

    /** What a fake upstream sends back for the query it gets. */
    private interface FakeAnswer {
        byte[] to(Message query) throws Exception;
    }

    /** A fake UDP upstream that answers the first query it gets, with {@code answer}'s bytes, then stays silent. */
    private DatagramSocket answeringOnce(FakeAnswer answer) throws IOException {
        DatagramSocket up = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        closing.add(up);
        Thread.ofPlatform().daemon().start(() -> {
            try {
                byte[] buf = new byte[4096];
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                up.receive(p);
                send(up, answer.to(new Message(Arrays.copyOf(buf, p.getLength()))), p);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        return up;
    }

    private static byte[] answer(int id, String name, String ip) throws IOException {
        Message m = new Message(id);
        m.getHeader().setFlag(Flags.QR);
        Name n = Name.fromString(name, Name.root);
        m.addRecord(Record.newRecord(n, Type.A, DClass.IN), Section.QUESTION);
        m.addRecord(new ARecord(n, DClass.IN, 60, InetAddress.getByName(ip)), Section.ANSWER);
        return m.toWire();
    }

    private static void send(DatagramSocket from, byte[] b, DatagramPacket to) throws IOException {
        from.send(new DatagramPacket(b, b.length, to.getSocketAddress()));
    }

    /** With a dead resolver first in line for every other query, each query is still answered by the next one. */
    @Test
    void aSilentUpstreamIsFollowedByTheNextWithinTheTimeout() throws Exception {
        DatagramSocket silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        closing.add(silent);
        DnsProxy p = proxy(List.of("127.0.0.1:" + silent.getLocalPort(), zone.upstream()), "refused", Duration.ofMillis(800));
        long worst = 0;
        for (int i = 0; i < 6; i++) {
            long t0 = System.nanoTime();
            Message a = udp(p.port(), query("allowed.test", Type.A, 60 + i, null));
            worst = Math.max(worst, (System.nanoTime() - t0) / 1_000_000);
            assertEquals(Rcode.NOERROR, a.getRcode(), "query " + i);
            assertEquals(List.of("127.0.0.1"), addresses(a));
        }
        assertEquals(3, errors("upstream_timeout"), "every other query met the dead resolver first");
        assertTrue(worst < 800, "answered within the overall timeout: " + worst + " ms");
    }

    @Test
    void aSilentUpstreamGivesServfailAtTheTimeoutAndLeavesNothingBehind() throws Exception {
        DatagramSocket silentUdp = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        ServerSocket silentTcp = new ServerSocket();
        silentTcp.bind(new InetSocketAddress("127.0.0.1", silentUdp.getLocalPort()));
        closing.add(silentUdp);
        closing.add(silentTcp);
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        Thread.ofPlatform().daemon().start(() -> {
            while (!silentTcp.isClosed()) {
                try {
                    accepted.add(silentTcp.accept()); // and never answer
                } catch (IOException ignored) {
                    // closed
                }
            }
        });
        DnsProxy p = proxy("127.0.0.1:" + silentUdp.getLocalPort(), "refused", Duration.ofMillis(400));
        long t0 = System.nanoTime();
        Message a = udp(p.port(), query("allowed.test", Type.A, 21, 1232));
        long udpMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Rcode.SERVFAIL, a.getRcode());
        assertEquals(ExtendedErrorCodeOption.NETWORK_ERROR, ede(a).getErrorCode());
        t0 = System.nanoTime();
        try (Socket s = new Socket("127.0.0.1", p.port())) {
            s.setSoTimeout(5000);
            writeFrame(new DataOutputStream(s.getOutputStream()), query("allowed.test", Type.A, 22, null));
            assertEquals(Rcode.SERVFAIL, readFrame(new DataInputStream(s.getInputStream())).getRcode());
        }
        long tcpMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("SERVFAIL after a 400 ms upstream timeout: udp %d ms, tcp %d ms%n", udpMs, tcpMs);
        assertTrue(udpMs >= 350 && udpMs < 1500, "udp " + udpMs);
        assertTrue(tcpMs >= 350 && tcpMs < 1500, "tcp " + tcpMs);
        assertEquals(0, p.pendingUpstream(), "no pending entry left");
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (p.openUpstreamConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, p.openUpstreamConnections(), "the upstream TCP connection was closed");
        assertEquals(1, accepted.size());
        assertEquals(2, errors("upstream_timeout"));
        assertTrue(learned.isEmpty());
    }

    private static ExtendedErrorCodeOption ede(Message m) {
        OPTRecord opt = m.getOPT();
        assertNotNull(opt, "an OPT record");
        for (EDNSOption o : opt.getOptions()) {
            if (o instanceof ExtendedErrorCodeOption e) {
                return e;
            }
        }
        throw new AssertionError("no EDE in " + m);
    }

    @Test
    void deniedNamesGetTheConfiguredRcodeWithEdeBlockedNamingTheRule() throws Exception {
        DnsProxy p = proxy(zone.upstream(), "nxdomain", Duration.ofSeconds(2));
        Message protectedAnswer = udp(p.port(), query("protected.test", Type.A, 31, 1232));
        assertEquals(Rcode.NXDOMAIN, protectedAnswer.getRcode());
        assertEquals(ExtendedErrorCodeOption.BLOCKED, ede(protectedAnswer).getErrorCode());
        assertTrue(ede(protectedAnswer).getText().contains("spec.protects[0]"), ede(protectedAnswer).getText());
        Message plain = udp(p.port(), query("denied.test", Type.AAAA, 32, null));
        assertEquals(Rcode.NXDOMAIN, plain.getRcode());
        assertNull(plain.getOPT(), "no OPT (so no EDE) to a client that sent none");
        assertFalse(zone.asked.contains("protected.test") || zone.asked.contains("denied.test"), "never forwarded");
        assertTrue(learned.isEmpty());
        DnsQueryEvent e = events.stream().filter(x -> x.name().equals("protected.test")).findFirst().orElseThrow();
        assertEquals(Verdict.DENY, e.verdict());
        assertEquals("spec.protects[0]", e.rule());
        assertEquals("p", e.policy());
        assertEquals("udp", e.protocol());
        assertEquals(COMMAND, e.command(), "the command the kernel recorded");
    }

    @Test
    void aFixedPortIsBoundAgainAfterTheProxyStops() throws Exception {
        EgressPolicy policy = PolicyCodec.parseYaml(POLICY.formatted("refused"));
        WorkloadPolicies policies = id -> Optional.of(new WorkloadPolicies.Bound("wl", policy));
        DnsProxyConfig cfg = new DnsProxyConfig(List.of(DnsProxyConfig.parseUpstream(zone.upstream())),
                Duration.ofSeconds(2), Duration.ZERO, Duration.ofSeconds(2));
        int port = 0;
        DnsProxy first = null;
        for (int tries = 0; first == null; tries++) { // a port found free can be taken by another process before the bind
            port = Ports.fixed();
            DnsProxy p = new DnsProxy(vertx, kernel, policies, cfg, events::add, writer, metrics);
            try {
                assertEquals(port, p.start(port));
                first = p;
            } catch (IllegalStateException taken) {
                p.close();
                if (tries >= 5) {
                    throw taken;
                }
            }
        }
        for (int round = 0; round < 2; round++) {
            DnsProxy p = round == 0 ? first : new DnsProxy(vertx, kernel, policies, cfg, events::add, writer, metrics);
            if (round > 0) {
                assertEquals(port, p.start(port), "the same port again, right after the first proxy closed");
            }
            try (Socket s = new Socket("::1", port)) {
                s.setSoTimeout(5000);
                writeFrame(new DataOutputStream(s.getOutputStream()), query("allowed.test", Type.A, 40 + round, null));
                assertEquals(List.of("127.0.0.1"), addresses(readFrame(new DataInputStream(s.getInputStream()))));
            }
            p.close();
        }
    }
}
