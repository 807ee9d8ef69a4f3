package dev.egret.node.dns;

import dev.egret.node.datapath.DnsClient;
import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.datapath.LearnedIp;
import dev.egret.node.datapath.RuleValue;
import dev.egret.policy.DeniedResponse;
import dev.egret.policy.Verdict;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The node's DNS proxy: receives every redirected query of policed workloads (UDP and TCP, on 127.0.0.1 and ::1),
 * learns from the kernel who asked, decides the name with that workload's policy, forwards allowed queries, writes
 * the answer's addresses to the learned-IP map and only then releases the answer. Upstream answers are relayed as
 * received with only the ID rewritten. I/O only: the decisions are {@link NameDecider}'s, map writes run on the
 * datapath's owner thread.
 */
public final class DnsProxy implements AutoCloseable {
    private static final int UDP = 17;
    private static final int TCP = 6;

    private final Vertx vertx;
    private final EgretDatapath datapath;
    private final WorkloadPolicies policies;
    private final DnsProxyConfig config;
    private final Consumer<DnsQueryEvent> events;
    private final ExecutorService writer;
    private final DnsMetrics metrics;
    private final List<DatagramSocket> udp = new ArrayList<>();
    private final List<NetServer> tcp = new ArrayList<>();
    private DatagramSocket upstreamSocket;
    private final Map<Integer, Promise<byte[]>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger((int) (System.nanoTime() & 0xffff));
    private final AtomicInteger nextUpstream = new AtomicInteger();
    private int port;

    public DnsProxy(Vertx vertx, EgretDatapath datapath, WorkloadPolicies policies, DnsProxyConfig config,
                    Consumer<DnsQueryEvent> events, ExecutorService datapathWriter, DnsMetrics metrics) {
        this.vertx = vertx;
        this.datapath = datapath;
        this.policies = policies;
        this.config = config;
        this.events = events;
        this.writer = datapathWriter;
        this.metrics = metrics;
    }

    /** Binds UDP and TCP on 127.0.0.1 and ::1 on one free port; returns it. */
    public int start() {
        upstreamSocket = await(vertx.createDatagramSocket(new DatagramSocketOptions().setIpV6(true))
                .listen(0, "::"));
        upstreamSocket.handler(p -> {
            byte[] b = p.data().getBytes();
            if (b.length >= 2) {
                Promise<byte[]> w = pending.remove(Responses.id(b));
                if (w != null) {
                    w.tryComplete(b);
                }
            }
        });
        for (int attempt = 0; ; attempt++) {
            try {
                DatagramSocket v4 = await(vertx.createDatagramSocket().listen(0, "127.0.0.1"));
                port = v4.localAddress().port();
                DatagramSocket v6 = await(vertx.createDatagramSocket(new DatagramSocketOptions().setIpV6(true)).listen(port, "::1"));
                udp.add(v4);
                udp.add(v6);
                v4.handler(p -> onUdp(v4, p, 4));
                v6.handler(p -> onUdp(v6, p, 6));
                for (String host : List.of("127.0.0.1", "::1")) {
                    NetServer s = vertx.createNetServer().connectHandler(so -> onTcp(so, host.contains(":") ? 6 : 4));
                    tcp.add(await(s.listen(port, host)));
                }
                return port;
            } catch (RuntimeException e) {
                udp.forEach(DatagramSocket::close);
                udp.clear();
                tcp.forEach(NetServer::close);
                tcp.clear();
                if (attempt > 20) {
                    throw new IllegalStateException("cannot bind the DNS proxy on loopback: " + e.getMessage(), e);
                }
            }
        }
    }

    public int port() {
        return port;
    }

    private void onUdp(DatagramSocket socket, io.vertx.core.datagram.DatagramPacket p, int family) {
        byte[] query = p.data().getBytes();
        handle(query, family, UDP, p.sender().port()).onSuccess(answer -> {
            if (answer != null) {
                socket.send(Buffer.buffer(answer), p.sender().port(), p.sender().host());
            }
        });
    }

    private void onTcp(NetSocket socket, int family) {
        RecordParser parser = RecordParser.newFixed(2);
        int[] expect = {-1};
        parser.handler(buf -> {
            if (expect[0] < 0) {
                expect[0] = buf.getUnsignedShort(0);
                parser.fixedSizeMode(Math.max(1, expect[0]));
                return;
            }
            byte[] query = buf.getBytes();
            expect[0] = -1;
            parser.fixedSizeMode(2);
            handle(query, family, TCP, socket.remoteAddress().port()).onSuccess(answer -> {
                if (answer == null) {
                    socket.close();
                    return;
                }
                socket.write(Buffer.buffer().appendUnsignedShort(answer.length).appendBytes(answer));
            });
        });
        socket.handler(parser);
    }

    /** The answer for one query, or null to drop it (malformed input). Never fails. */
    Future<byte[]> handle(byte[] query, int family, int proto, int clientPort) {
        Message q;
        try {
            q = new Message(query);
        } catch (Exception | StackOverflowError e) {
            metrics.error("malformed");
            return Future.succeededFuture(null);
        }
        if (q.getQuestion() == null) {
            metrics.error("malformed");
            return Future.succeededFuture(null);
        }
        String name = q.getQuestion().getName().toString(true);
        String type = Type.string(q.getQuestion().getType());
        Optional<DnsClient> client = datapath.dnsClient(family, proto, clientPort);
        Optional<WorkloadPolicies.Bound> bound = client.flatMap(c -> policies.forCgroup(c.cgroupId()));
        if (bound.isEmpty()) {
            metrics.error("unattributed");
            return Future.succeededFuture(Responses.blocked(q, Rcode.REFUSED, "egret: query not attributed to a policed workload"));
        }
        WorkloadPolicies.Bound b = bound.get();
        DnsClient c = client.get();
        NameDecision d = NameDecider.decide(b.policy(), name);
        if (d.verdict() == Verdict.DENY) {
            metrics.query(b.workload(), d.verdict());
            events.accept(new DnsQueryEvent(Instant.now(), b.workload(), c.cgroupId(), c.pid(), name, type, d.verdict(),
                    d.rule(), d.reason(), 0));
            int rcode = b.policy().spec().dns().deniedResponse() == DeniedResponse.NXDOMAIN ? Rcode.NXDOMAIN : Rcode.REFUSED;
            return Future.succeededFuture(Responses.blocked(q, rcode, "blocked by egret policy " + b.policy().name()
                    + ": " + d.reason()));
        }
        Context ctx = vertx.getOrCreateContext();
        long started = System.nanoTime();
        Future<byte[]> upstream = proto == TCP ? forwardTcp(query) : forwardUdp(query);
        return upstream.compose(answer -> {
            metrics.upstreamSeconds((System.nanoTime() - started) / 1e9);
            return learn(ctx, b, c, name, type, d, answer, q);
        }).recover(err -> {
            metrics.error(err instanceof java.util.concurrent.TimeoutException ? "upstream_timeout" : "upstream_error");
            return Future.succeededFuture(Responses.servfail(q, "egret: upstream resolver failed: " + err.getMessage()));
        });
    }

    /** Writes the answer's addresses to the kernel (on the datapath thread), then releases the answer. */
    private Future<byte[]> learn(Context ctx, WorkloadPolicies.Bound b, DnsClient c, String name, String type,
                                 NameDecision d, byte[] answer, Message q) {
        List<AnswerAddresses.Learned> addrs;
        try {
            addrs = AnswerAddresses.of(new Message(answer));
        } catch (Exception | StackOverflowError e) {
            metrics.error("malformed_upstream");
            addrs = List.of(); // relay as received; nothing learned, so its addresses stay denied
        }
        List<AnswerAddresses.Learned> toLearn = addrs;
        Promise<byte[]> released = Promise.promise();
        long waitStart = System.nanoTime();
        long timer = vertx.setTimer(config.datapathWait().toMillis(), t -> {
            metrics.error("datapath_timeout");
            released.tryComplete(Responses.servfail(q, "egret: datapath update timed out"));
        });
        writer.execute(() -> {
            byte[] out;
            try {
                long now = System.nanoTime();
                var dns = b.policy().spec().dns();
                RuleValue ports = new RuleValue(new TreeSet<>(d.ports()));
                for (AnswerAddresses.Learned l : toLearn) {
                    long ttl = dns.clampTtl(l.ttlSeconds()) + config.grace().toSeconds();
                    datapath.learn(new LearnedIp(b.slot(), l.address(), now + ttl * 1_000_000_000L, ports));
                }
                out = answer;
            } catch (RuntimeException e) {
                metrics.error("datapath_full");
                out = Responses.servfail(q, "egret: cannot allow the answer's addresses: " + e.getMessage());
            }
            byte[] result = out;
            ctx.runOnContext(v -> {
                vertx.cancelTimer(timer);
                metrics.datapathWaitSeconds((System.nanoTime() - waitStart) / 1e9);
                if (released.tryComplete(result)) {
                    metrics.query(b.workload(), d.verdict());
                    events.accept(new DnsQueryEvent(Instant.now(), b.workload(), c.cgroupId(), c.pid(), name, type,
                            d.verdict(), d.rule(), d.reason(), toLearn.size()));
                }
            });
        });
        return released.future().map(a -> a == answer ? Responses.withId(answer, q.getHeader().getID()) : a);
    }

    private InetSocketAddress upstream() {
        List<InetSocketAddress> ups = config.upstreams();
        return ups.get(Math.floorMod(nextUpstream.getAndIncrement(), ups.size()));
    }

    private Future<byte[]> forwardUdp(byte[] query) {
        int id;
        Promise<byte[]> p = Promise.promise();
        do {
            id = nextId.incrementAndGet() & 0xffff;
        } while (pending.putIfAbsent(id, p) != null);
        int sent = id;
        InetSocketAddress up = upstream();
        upstreamSocket.send(Buffer.buffer(Responses.withId(query, id)), up.getPort(), up.getAddress().getHostAddress())
                .onFailure(e -> {
                    pending.remove(sent);
                    p.tryFail(e);
                });
        vertx.setTimer(config.timeout().toMillis(), t -> {
            if (pending.remove(sent) != null) {
                p.tryFail(new java.util.concurrent.TimeoutException("no answer from " + up + " in " + config.timeout().toMillis() + " ms"));
            }
        });
        return p.future();
    }

    private Future<byte[]> forwardTcp(byte[] query) {
        InetSocketAddress up = upstream();
        Promise<byte[]> p = Promise.promise();
        long timer = vertx.setTimer(config.timeout().toMillis(), t ->
                p.tryFail(new java.util.concurrent.TimeoutException("no answer from " + up + " over TCP")));
        vertx.createNetClient().connect(up.getPort(), up.getAddress().getHostAddress()).onFailure(p::tryFail).onSuccess(so -> {
            RecordParser parser = RecordParser.newFixed(2);
            boolean[] header = {true};
            parser.handler(buf -> {
                if (header[0]) {
                    header[0] = false;
                    parser.fixedSizeMode(Math.max(1, buf.getUnsignedShort(0)));
                } else {
                    vertx.cancelTimer(timer);
                    p.tryComplete(buf.getBytes());
                    so.close();
                }
            });
            so.handler(parser);
            so.exceptionHandler(p::tryFail);
            so.write(Buffer.buffer().appendUnsignedShort(query.length).appendBytes(query));
        });
        return p.future();
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e.getCause() != null ? e.getCause().getMessage() : e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        udp.forEach(DatagramSocket::close);
        tcp.forEach(NetServer::close);
        if (upstreamSocket != null) {
            upstreamSocket.close();
        }
    }
}
