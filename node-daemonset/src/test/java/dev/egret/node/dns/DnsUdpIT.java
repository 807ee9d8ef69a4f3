package dev.egret.node.dns;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy's UDP transport on real loopback sockets: batches in and out, senders of both families (and IPv4 peers
 * of a dual-stack socket), datagrams larger than their slot, send failures, timers, closing, file descriptors.
 */
class DnsUdpIT {
    private static Vertx vertx;
    private DnsUdp udp;
    private final List<DatagramSocket> clients = new ArrayList<>();

    /** One received datagram and how it came. */
    private record Got(DnsUdp.Socket socket, byte[] data, InetSocketAddress sender, boolean inBatch, String thread) {
    }

    @BeforeAll
    static void vertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void closeVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @BeforeEach
    void setUp() {
        udp = new DnsUdp(vertx);
    }

    @AfterEach
    void tearDown() {
        udp.close();
        clients.forEach(DatagramSocket::close);
    }

    private DatagramSocket client(String host) throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(host, 0));
        s.setSoTimeout(5000);
        s.setReceiveBufferSize(1 << 20); // what a burst's echoes need (the kernel caps it at rmem_max)
        clients.add(s);
        return s;
    }

    private static void send(DatagramSocket from, byte[] data, String host, int port) throws IOException {
        from.send(new DatagramPacket(data, data.length, InetAddress.getByName(host), port));
    }

    private static byte[] receive(DatagramSocket s) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[65535], 65535);
        s.receive(p);
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    /** Runs on the UDP thread and waits for it. */
    private void onLoop(Runnable task) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        udp.schedule(0, () -> {
            try {
                task.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        done.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aBurstIsReadInBatchesAndWhatABatchSendsGoesOutAfterItsBatchEndTasks() throws Exception {
        List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        AtomicInteger inThisBatch = new AtomicInteger();
        List<Got> got = new CopyOnWriteArrayList<>();
        // the upstream socket's size: its larger receive buffer holds the whole burst while the loop waits
        DnsUdp.Socket echo = udp.bind(new InetSocketAddress("127.0.0.1", 0), false, DnsProxy.MAX_UDP_ANSWER, (socket, data, sender) -> {
            got.add(new Got(socket, data, sender, udp.inReadBatch(), Thread.currentThread().getName()));
            if (inThisBatch.getAndIncrement() == 0) {
                udp.atBatchEnd(() -> {
                    assertTrue(udp.inReadBatch(), "batch-end tasks run in the batch");
                    batchSizes.add(inThisBatch.getAndSet(0));
                    socket.send(bytes("end"), sender, null); // queued behind the batch's echoes
                });
            }
            socket.send(data, sender, null);
        });
        DatagramSocket client = client("127.0.0.1");
        int n = 150;
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch sent = new CountDownLatch(1);
        udp.schedule(0, () -> { // the loop waits while the burst piles up in the socket
            blocked.countDown();
            try {
                sent.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(blocked.await(5, TimeUnit.SECONDS));
        for (int i = 0; i < n; i++) {
            send(client, bytes("q" + i), "127.0.0.1", echo.localPort());
        }
        sent.countDown();
        List<String> out = new ArrayList<>();
        for (int echoes = 0; echoes < n || !out.getLast().equals("end"); ) {
            out.add(text(receive(client)));
            echoes += out.getLast().equals("end") ? 0 : 1;
        }
        List<String> echoes = out.stream().filter(s -> !s.equals("end")).toList();
        assertEquals(n, echoes.size());
        for (int i = 0; i < n; i++) {
            assertEquals("q" + i, echoes.get(i), "in order");
        }
        assertEquals(n, batchSizes.stream().mapToInt(Integer::intValue).sum());
        assertEquals(64, batchSizes.stream().mapToInt(Integer::intValue).max().orElseThrow(), "full recvmmsg batches: " + batchSizes);
        // each batch's echoes, then its end marker: the end task's send went out behind them, in the same flush
        int at = 0;
        for (int size : batchSizes) {
            for (int i = 0; i < size; i++) {
                assertFalse(out.get(at++).equals("end"), "batch " + batchSizes + " in " + out);
            }
            assertEquals("end", out.get(at++));
        }
        assertTrue(got.stream().allMatch(g -> g.inBatch() && g.thread().equals("egret-dns-udp") && g.socket() == echo));
        assertTrue(got.stream().allMatch(g -> g.sender().equals(client.getLocalSocketAddress())));
        assertTrue(got.stream().allMatch(g -> g.sender() == got.getFirst().sender()),
                "a sender seen again is the same InetSocketAddress, not one built per datagram");
        assertFalse(udp.inReadBatch(), "not off the loop");
    }

    @Test
    void sendersOfBothFamiliesAndIpv4PeersOfADualStackSocket() throws Exception {
        BlockingQueue<Got> got = new LinkedBlockingQueue<>();
        DnsUdp.Receiver echo = (socket, data, sender) -> {
            got.add(new Got(socket, data, sender, false, Thread.currentThread().getName()));
            socket.send(data, sender, null);
        };
        DnsUdp.Socket v4 = udp.bind(new InetSocketAddress("127.0.0.1", 0), false, 0, echo);
        DnsUdp.Socket v6 = udp.bind(new InetSocketAddress("::1", 0), true, 0, echo);
        DnsUdp.Socket dual = udp.bind(new InetSocketAddress("::", 0), true, DnsProxy.MAX_UDP_ANSWER, echo);

        DatagramSocket c4 = client("127.0.0.1");
        DatagramSocket c6 = client("::1");
        send(c4, bytes("four"), "127.0.0.1", v4.localPort());
        Got g = got.poll(5, TimeUnit.SECONDS);
        assertNotNull(g);
        assertInstanceOf(Inet4Address.class, g.sender().getAddress());
        assertEquals(c4.getLocalSocketAddress(), g.sender());
        assertEquals("four", text(receive(c4)));

        send(c6, bytes("six"), "::1", v6.localPort());
        g = got.poll(5, TimeUnit.SECONDS);
        assertNotNull(g);
        assertInstanceOf(Inet6Address.class, g.sender().getAddress());
        assertEquals(InetAddress.getByName("::1"), g.sender().getAddress());
        assertEquals(c6.getLocalPort(), g.sender().getPort());
        assertEquals("six", text(receive(c6)));

        send(c4, bytes("mapped"), "127.0.0.1", dual.localPort()); // ::ffff:127.0.0.1 to the dual-stack socket
        g = got.poll(5, TimeUnit.SECONDS);
        assertNotNull(g);
        assertEquals(dual, g.socket());
        assertInstanceOf(Inet4Address.class, g.sender().getAddress(), "an IPv4 peer of an IPv6 socket reads as IPv4");
        assertEquals(c4.getLocalSocketAddress(), g.sender());
        assertEquals("mapped", text(receive(c4)), "and is answered over IPv4");

        send(c6, bytes("six-dual"), "::1", dual.localPort());
        g = got.poll(5, TimeUnit.SECONDS);
        assertNotNull(g);
        assertEquals(new InetSocketAddress("::1", c6.getLocalPort()), g.sender());
        assertEquals("six-dual", text(receive(c6)));

        // an IPv4 destination sent to from another thread, from the dual-stack socket
        DatagramSocket other = client("127.0.0.1");
        dual.send(bytes("from-outside"), (InetSocketAddress) other.getLocalSocketAddress(), t -> { throw new AssertionError(t); });
        assertEquals("from-outside", text(receive(other)));

        // dual-stack: the IPv4 side of its port is taken too
        assertThrows(BindException.class, () -> new DatagramSocket(new InetSocketAddress("127.0.0.1", dual.localPort())).close());
    }

    @Test
    void aDatagramLargerThanItsSlotArrivesCutToIt() throws Exception {
        BlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
        DnsUdp.Socket listener = udp.bind(new InetSocketAddress("127.0.0.1", 0), false, 0, (s, d, from) -> got.add(d));
        DnsUdp.Socket upstream = udp.bind(new InetSocketAddress("127.0.0.1", 0), false, DnsProxy.MAX_UDP_ANSWER, (s, d, from) -> got.add(d));
        byte[] big = new byte[3000];
        new java.util.Random(1).nextBytes(big);
        DatagramSocket c = client("127.0.0.1");
        send(c, big, "127.0.0.1", listener.localPort());
        byte[] cut = got.poll(5, TimeUnit.SECONDS);
        assertNotNull(cut);
        assertArrayEquals(Arrays.copyOf(big, 2048), cut, "a query slot is 2048 bytes");
        send(c, big, "127.0.0.1", upstream.localPort());
        assertArrayEquals(big, got.poll(5, TimeUnit.SECONDS), "the upstream socket reads 4096 bytes whole");
        byte[] bigger = new byte[5000];
        send(c, bigger, "127.0.0.1", upstream.localPort());
        byte[] cutAnswer = got.poll(5, TimeUnit.SECONDS);
        assertEquals(DnsProxy.MAX_UDP_ANSWER, cutAnswer.length);
        assertEquals(0x02, cutAnswer[2] & 0x02, "an answer cut to the upstream socket's slot says so (TC)");
        send(c, bytes("small"), "127.0.0.1", listener.localPort());
        assertEquals("small", text(got.poll(5, TimeUnit.SECONDS)), "the next read offers the socket's own slot");
    }

    @Test
    void aReceiverThatFailsEvenWithAnErrorCostsOnlyItsDatagram() throws Exception {
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        DnsUdp.Socket listener = udp.bind(new InetSocketAddress("127.0.0.1", 0), false, 0, (s, d, from) -> {
            String t = text(d);
            if (t.startsWith("bad")) {
                throw new OutOfMemoryError("a receiver out of memory, as a test"); // the loop is all UDP DNS of a node
            }
            got.add(t);
        });
        DatagramSocket c = client("127.0.0.1");
        onLoop(() -> { // queued while the loop is busy: one read batch holds them all
            try {
                for (String t : List.of("one", "bad-1", "two", "bad-2", "three")) {
                    send(c, bytes(t), "127.0.0.1", listener.localPort());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        for (String want : List.of("one", "two", "three")) {
            assertEquals(want, got.poll(5, TimeUnit.SECONDS));
        }
        send(c, bytes("later"), "127.0.0.1", listener.localPort());
        assertEquals("later", got.poll(5, TimeUnit.SECONDS), "the loop still reads");
    }

    @Test
    void aFailedSendIsReportedOnTheLoopAndTheRestOfItsBatchStillGoes() throws Exception {
        DnsUdp.Socket v4 = udp.bind(new InetSocketAddress("127.0.0.1", 0), false, 0, (s, d, from) -> { });
        DatagramSocket peer = client("127.0.0.1");
        InetSocketAddress ok = (InetSocketAddress) peer.getLocalSocketAddress();
        BlockingQueue<String> failures = new LinkedBlockingQueue<>();
        onLoop(() -> { // from a task: the three go out with one sendmmsg, the middle one refused by the kernel
            v4.send(bytes("one"), ok, t -> failures.add("one " + t));
            v4.send(bytes("port zero"), new InetSocketAddress("127.0.0.1", 0),
                    t -> failures.add(Thread.currentThread().getName() + " " + t.getMessage()));
            v4.send(bytes("two"), ok, t -> failures.add("two " + t));
        });
        assertEquals("one", text(receive(peer)));
        assertEquals("two", text(receive(peer)));
        String f = failures.poll(5, TimeUnit.SECONDS);
        assertNotNull(f);
        assertTrue(f.startsWith("egret-dns-udp sendmmsg failed: Invalid argument (errno 22)"), f);

        v4.send(bytes("v6"), new InetSocketAddress("::1", 53), t -> failures.add(Thread.currentThread().getName() + " " + t.getMessage()));
        f = failures.poll(5, TimeUnit.SECONDS);
        assertNotNull(f, "an IPv6 destination from an IPv4 socket");
        assertTrue(f.startsWith("egret-dns-udp sendmmsg failed: Address family not supported by protocol (errno 97)"), f);

        v4.send(bytes("unresolved"), InetSocketAddress.createUnresolved("nowhere.invalid", 53), t -> failures.add("unresolved"));
        assertEquals("unresolved", failures.poll(5, TimeUnit.SECONDS));
        assertNull(failures.poll(200, TimeUnit.MILLISECONDS), "no failure reported for a datagram that went out");

        v4.close();
        v4.send(bytes("closed"), ok, t -> failures.add("closed " + t.getMessage()));
        assertEquals("closed UDP socket closed", failures.poll(5, TimeUnit.SECONDS));
        v4.send(bytes("closed, no listener"), ok, null); // nothing to tell, nothing thrown
    }

    @Test
    void bindingATakenPortFailsSayingSo() throws Exception {
        DatagramSocket taken = client("127.0.0.1");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> udp.bind(new InetSocketAddress("127.0.0.1", taken.getLocalPort()), false, 0, (s, d, from) -> { }));
        assertTrue(e.getMessage().contains("bind(127.0.0.1:" + taken.getLocalPort() + ") failed: Address already in use (errno 98)"),
                e.getMessage());
        assertFalse(Ipv6.unavailable(e));
    }

    @Test
    void timersRunOnTheLoopByDeadlineThenInTheOrderScheduled() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        udp.schedule(150, () -> {
            ran.add("150");
            done.countDown();
        });
        udp.schedule(20, () -> ran.add("20a"));
        udp.schedule(0, () -> {
            ran.add("0:" + Thread.currentThread().getName() + ":" + udp.inReadBatch());
            throw new IllegalStateException("a throwing task is logged; the loop goes on");
        });
        udp.schedule(20, () -> ran.add("20b"));
        udp.schedule(40, () -> {
            ran.add("40");
            udp.schedule(0, () -> ran.add("40+0")); // from the loop
            udp.schedule(5, () -> ran.add("40+5"));
        });
        udp.schedule(20, () -> ran.add("20c"));
        assertTrue(done.await(5, TimeUnit.SECONDS));
        assertEquals(List.of("0:egret-dns-udp:false", "20a", "20b", "20c", "40", "40+0", "40+5", "150"), ran);
    }

    @Test
    void aSocketClosedFromAnotherThreadHasFreedItsPortWhenCloseReturns() throws Exception {
        AtomicBoolean readAfterClose = new AtomicBoolean();
        AtomicBoolean closed = new AtomicBoolean();
        BlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
        DnsUdp.Socket s = udp.bind(new InetSocketAddress("127.0.0.1", 0), false, 0, (socket, d, from) -> {
            if (closed.get()) {
                readAfterClose.set(true);
            }
            got.add(d);
        });
        int port = s.localPort();
        DatagramSocket c = client("127.0.0.1");
        send(c, bytes("before"), "127.0.0.1", port);
        assertEquals("before", text(got.poll(5, TimeUnit.SECONDS)));
        closed.set(true);
        s.close();
        s.close(); // idempotent
        try (DatagramSocket again = new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
            again.setSoTimeout(2000);
            send(c, bytes("after"), "127.0.0.1", port);
            assertEquals("after", text(receive(again)), "the port is someone else's now");
        }
        assertNull(got.poll(100, TimeUnit.MILLISECONDS));
        assertFalse(readAfterClose.get());
        // and one closed on the loop, from its own receiver
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        DnsUdp.Socket self = udp.bind(new InetSocketAddress("127.0.0.1", 0), false, 0, (socket, d, from) -> {
            seen.add(text(d));
            socket.close();
        });
        send(c, bytes("first"), "127.0.0.1", self.localPort());
        send(c, bytes("second"), "127.0.0.1", self.localPort());
        assertEquals("first", seen.poll(5, TimeUnit.SECONDS));
        assertNull(seen.poll(200, TimeUnit.MILLISECONDS), "nothing read once closed");
        try (DatagramSocket again = new DatagramSocket(new InetSocketAddress("127.0.0.1", self.localPort()))) {
            assertTrue(again.isBound());
        }
    }

    @Test
    void closingLeavesNoFileDescriptorOpenAndEndsTheThread() throws Exception {
        cycle(); // class loading, logging and the like open what they keep
        int before = openFds();
        for (int i = 0; i < 3; i++) {
            cycle();
        }
        assertEquals(before, openFds(), "file descriptors open before and after");
    }

    /** A loop with sockets of both families, one closed on its own, traffic, a failure, then closed. */
    private static void cycle() throws Exception {
        DnsUdp u = new DnsUdp(vertx);
        try {
            BlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
            DnsUdp.Socket a = u.bind(new InetSocketAddress("127.0.0.1", 0), false, 0, (s, d, from) -> {
                got.add(d);
                s.send(d, from, null);
            });
            DnsUdp.Socket b = u.bind(new InetSocketAddress("::", 0), true, DnsProxy.MAX_UDP_ANSWER, (s, d, from) -> got.add(d));
            DnsUdp.Socket c = u.bind(new InetSocketAddress("::1", 0), true, 0, (s, d, from) -> got.add(d));
            try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                client.setSoTimeout(5000);
                send(client, bytes("x"), "127.0.0.1", a.localPort());
                send(client, bytes("y"), "127.0.0.1", b.localPort());
                assertNotNull(got.poll(5, TimeUnit.SECONDS));
                assertNotNull(got.poll(5, TimeUnit.SECONDS));
                assertEquals("x", text(receive(client)));
            }
            CountDownLatch failed = new CountDownLatch(1);
            b.send(bytes("z"), new InetSocketAddress("127.0.0.1", 0), t -> failed.countDown());
            assertTrue(failed.await(5, TimeUnit.SECONDS));
            c.close();
            assertThrows(IllegalStateException.class, () -> u.bind(new InetSocketAddress("127.0.0.1", a.localPort()), false, 0, (s, d, from) -> { }));
        } finally {
            u.close();
        }
    }

    private static int openFds() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    @Test
    void aClosedLoopTakesNoMoreWorkAndSaysSo() throws Exception {
        DnsUdp.Socket s = udp.bind(new InetSocketAddress("127.0.0.1", 0), false, 0, (socket, d, from) -> { });
        int port = s.localPort();
        assertTrue(udp.alive(), "an open loop says it serves");
        udp.close();
        assertFalse(udp.alive(), "a closed one says it does not (the agent's liveness reads this)");
        try (DatagramSocket again = new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
            assertTrue(again.isBound(), "its sockets closed with it");
        }
        AtomicBoolean ran = new AtomicBoolean();
        udp.schedule(0, () -> ran.set(true));
        s.send(bytes("dropped"), new InetSocketAddress("127.0.0.1", port), t -> ran.set(true));
        s.close();
        assertThrows(IllegalStateException.class, () -> udp.bind(new InetSocketAddress("127.0.0.1", 0), false, 0, (x, d, from) -> { }));
        Thread.sleep(100);
        assertFalse(ran.get());
        for (int i = 0; i < 100 && udpThreadAlive(); i++) { // close waited for its end; the thread object lingers a moment
            Thread.sleep(10);
        }
        assertFalse(udpThreadAlive(), "the thread ended");
    }

    private static boolean udpThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("egret-dns-udp") && t.isAlive());
    }
}
