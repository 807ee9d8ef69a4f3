package dev.egret.node.dns;

import dev.egret.libbpf.BpfException;
import dev.egret.node.datapath.DnsClient;
import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.datapath.LearnedIp;
import dev.egret.node.datapath.LearnedSweeper;
import dev.egret.node.datapath.PortRange;
import dev.egret.node.datapath.RuleValue;
import dev.egret.policy.Cidr;
import dev.egret.policy.DeniedResponse;
import dev.egret.policy.DnsSettings;
import dev.egret.policy.Verdict;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import org.jboss.logging.Logger;
import org.xbill.DNS.Rcode;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The node's DNS proxy: receives every redirected query of policed workloads (UDP and TCP, on 127.0.0.1 and ::1),
 * learns from the kernel who asked, decides the name with that workload's policy, forwards allowed queries, writes
 * the answer's addresses to the learned-IP map for that workload alone and only then releases the answer. Upstream answers are relayed as
 * received with only the ID rewritten, and only when they answer the very question asked (an error without question,
 * such as BIND's FORMERR, is relayed as its rcode for the question asked, learning nothing). Malformed input is
 * counted and dropped. I/O only: decisions are {@link NameDecider}'s; the learned map is written on the thread that
 * received the answer (the UDP thread, a TCP connection's event loop) under its lock ({@link DnsDatapath#learnAll}),
 * and on the datapath's writer thread only when it is full.
 */
public final class DnsProxy implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DnsProxy.class);
    private static final int UDP = 17;
    private static final int TCP = 6;
    /**
     * The largest UDP answer the proxy takes from an upstream: forwarded queries advertise at most this EDNS size
     * (like dnsmasq's edns-packet-max), so a larger answer comes back truncated and the client retries over TCP. The
     * upstream socket reads several answers of up to this size at once (recvmmsg).
     */
    static final int MAX_UDP_ANSWER = 4096;
    /** Queries in flight to upstreams over UDP at once; beyond, SERVFAIL at once (IDs are 16 bits). */
    static final int MAX_PENDING = 16384;
    /**
     * TCP queries at the upstreams at once, over all client connections (each has its own connection to its
     * upstream); beyond, SERVFAIL at once, counted as {@code tcp_busy}.
     */
    static final int MAX_TCP_UPSTREAM = 256;
    /** A client's TCP connection idle this long is closed (RFC 7766 suggests seconds). */
    private static final int TCP_IDLE_SECONDS = 30;

    private final Vertx vertx;
    private final DnsDatapath datapath;
    private final WorkloadPolicies policies;
    private final DnsProxyConfig config;
    private final Consumer<DnsQueryEvent> events;
    private final ExecutorService writer;
    private final DnsMetrics metrics;
    private final NameDeciders deciders = new NameDeciders();
    private final Map<Set<PortRange>, RuleValue> portValues = new HashMap<>();
    private DnsUdp udp;
    private final List<NetServer> tcp = new ArrayList<>();
    /** The socket queries go upstream from now; replaced by one on a fresh random port every {@link #upstreamPortMillis}. */
    private volatile DnsUdp.Socket upstreamSocket;
    private boolean upstreamIpv6;
    /**
     * How long one source port serves the queries to the upstreams. Only the 16-bit ID and the question would tell a
     * spoofed answer from the upstream's real one on a port that never changes; a fresh random port every two seconds
     * (the one before kept until its queries' answers are due) makes whoever would forge answers find the port first.
     */
    private long upstreamPortMillis = 2000;
    private ScheduledExecutorService portRotation;
    private NetClient upstreamTcp;
    /** UDP queries at the upstreams, by the ID they went out under; on the UDP thread. */
    private final UpstreamPending<UdpWait> pending = new UpstreamPending<>(MAX_PENDING);
    /** A quarter of the pending table at most per workload, so one cannot starve the others. */
    private WorkloadQuota udpQuota = new WorkloadQuota(MAX_PENDING / 4);
    /** Whether the timer that fails UDP queries whose upstream stayed silent is armed; on the UDP thread. */
    private boolean expiryArmed;
    /** Set when closing starts: nothing is forwarded or retried any more. */
    private volatile boolean closing;
    private final AtomicInteger nextUpstream = new AtomicInteger();
    private final AtomicInteger tcpUpstreamOpen = new AtomicInteger();
    /** TCP queries at the upstreams, from the connect until their connection closed (or never opened). */
    private final AtomicInteger tcpUpstreamInFlight = new AtomicInteger();
    private int port;
    /** Whether a start found no IPv6 on this host already (said once). */
    private static volatile boolean ipv6Missing;

    /** A query forwarded over UDP, waiting for its answer. */
    private record UdpWait(DnsQuery query, InetSocketAddress upstream, long timeoutMs, Answered then, DnsUdp.Socket via) {
    }

    /** An upstream's answer to a query and what it says. */
    private record Relayed(byte[] wire, AnswerAddresses.Result result) {
    }

    /** What follows an upstream's answer, or its failure (exactly one of the two is non-null). Must not throw. */
    private interface Answered {
        void answered(Relayed relayed, Throwable failure);
    }

    /** @param sweeper frees the learned map when a learn finds it full (its deletes run on {@code datapathWriter}) */
    public DnsProxy(Vertx vertx, EgretDatapath datapath, LearnedSweeper sweeper, WorkloadPolicies policies,
                    DnsProxyConfig config, Consumer<DnsQueryEvent> events, ExecutorService datapathWriter,
                    DnsMetrics metrics) {
        this(vertx, DnsDatapath.of(datapath, sweeper), policies, config, events, datapathWriter, metrics);
    }

    public DnsProxy(Vertx vertx, DnsDatapath datapath, WorkloadPolicies policies, DnsProxyConfig config,
                    Consumer<DnsQueryEvent> events, ExecutorService datapathWriter, DnsMetrics metrics) {
        this.vertx = vertx;
        this.datapath = datapath;
        this.policies = policies;
        this.config = config;
        this.events = events;
        this.writer = datapathWriter;
        this.metrics = metrics;
    }

    /**
     * Binds UDP and TCP on 127.0.0.1 and ::1 on one free port; returns it. On a host without IPv6, on 127.0.0.1 only
     * (logged once). A failed start leaves no socket open.
     */
    public int start() {
        return start(0);
    }

    /**
     * Binds UDP and TCP on 127.0.0.1 and ::1 on {@code fixedPort} (0: one free port); returns the port. A fixed port
     * survives restarts: the kernel keeps sending DNS there while the proxy is away, and nothing else gets it.
     */
    public int start(int fixedPort) {
        return start(fixedPort, List.of());
    }

    /**
     * Also listens on {@code podAddresses}, the addresses of this node that workloads in other network namespaces
     * (pods) are redirected to, at the same port.
     */
    public int start(int fixedPort, List<InetAddress> podAddresses) {
        if (fixedPort < 0 || fixedPort > 65535) {
            throw new IllegalArgumentException("DNS proxy port out of range: " + fixedPort);
        }
        boolean ipv6 = Ipv6.loopbackUsable();
        if (!ipv6 && !ipv6Missing) {
            ipv6Missing = true;
            LOG.warn("IPv6 is unavailable on this host: the DNS proxy listens on 127.0.0.1 only");
        }
        udp = new DnsUdp(vertx);
        upstreamIpv6 = ipv6;
        try {
            upstreamSocket = bindUpstream();
        } catch (RuntimeException e) {
            close();
            throw new IllegalStateException("cannot bind the DNS proxy's upstream socket: " + e.getMessage(), e);
        }
        upstreamTcp = vertx.createNetClient(new NetClientOptions()
                .setConnectTimeout((int) Math.max(1, config.timeout().toMillis())));
        for (int attempt = 0; ; attempt++) {
            List<DnsUdp.Socket> listeners = new ArrayList<>();
            try {
                DnsUdp.Socket v4 = udp.bind(new InetSocketAddress("127.0.0.1", fixedPort), false, 0, (sock, data, sender) -> onUdp(sock, data, sender, 4));
                listeners.add(v4);
                port = v4.localPort();
                if (ipv6) {
                    listeners.add(udp.bind(new InetSocketAddress("::1", port), true, 0, (sock, data, sender) -> onUdp(sock, data, sender, 6)));
                }
                for (InetAddress pod : podAddresses) {
                    int family = pod instanceof Inet4Address ? 4 : 6;
                    listeners.add(udp.bind(new InetSocketAddress(pod, port), family == 6, 0, (sock, data, sender) -> onUdp(sock, data, sender, family)));
                }
                List<String> hosts = new ArrayList<>(ipv6 ? List.of("127.0.0.1", "::1") : List.of("127.0.0.1"));
                podAddresses.forEach(a -> hosts.add(a.getHostAddress()));
                for (String host : hosts) {
                    int family = host.contains(":") ? 6 : 4;
                    NetServer s = vertx.createNetServer(new NetServerOptions().setIdleTimeout(TCP_IDLE_SECONDS)
                            .setIdleTimeoutUnit(TimeUnit.SECONDS)).connectHandler(so -> onTcp(so, family));
                    tcp.add(s); // closed below should its listen fail
                    await(s.listen(port, host));
                }
                startPortRotation();
                return port;
            } catch (RuntimeException e) {
                listeners.forEach(DnsUdp.Socket::close);
                tcp.forEach(NetServer::close);
                tcp.clear();
                if (fixedPort != 0 || attempt > 20) {
                    close();
                    throw new IllegalStateException("cannot bind the DNS proxy on 127.0.0.1, ::1" + podAddresses
                            + (fixedPort != 0 ? " port " + fixedPort : "") + ": " + e.getMessage(), e);
                }
            }
        }
    }

    public int port() {
        return port;
    }

    private DnsUdp.Socket bindUpstream() {
        return udp.bind(new InetSocketAddress(upstreamIpv6 ? "::" : "0.0.0.0", 0), upstreamIpv6, MAX_UDP_ANSWER,
                this::onUpstreamUdp);
    }

    /** For tests: a smaller number of UDP queries one workload may have at the upstreams; before {@link #start}. */
    void udpQuotaPerWorkload(int queries) {
        udpQuota = new WorkloadQuota(queries);
    }

    /** For tests: a shorter life for each upstream source port; before {@link #start}. */
    void upstreamPortMillis(long millis) {
        upstreamPortMillis = millis;
    }

    private void startPortRotation() {
        portRotation = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("egret-dns-ports").daemon().unstarted(r));
        portRotation.scheduleWithFixedDelay(this::rotateUpstreamPort, upstreamPortMillis, upstreamPortMillis,
                TimeUnit.MILLISECONDS);
    }

    /** Off the UDP thread (a bind waits): a fresh socket, swapped in on it; the old one closes once unneeded. */
    private void rotateUpstreamPort() {
        try {
            if (closing) {
                return;
            }
            DnsUdp.Socket fresh = bindUpstream();
            udp.schedule(0, () -> {
                if (closing) {
                    fresh.close();
                    return;
                }
                DnsUdp.Socket old = upstreamSocket;
                upstreamSocket = fresh;
                try { // its queries' answers are due within their timeout
                    portRotation.schedule(old::close, config.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
                } catch (RuntimeException stopped) {
                    old.close(); // closing: the proxy's close closes every socket anyway
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf("cannot open a new upstream DNS port, the current one goes on: %s", e.getMessage());
        }
    }

    /**
     * True while the proxy answers UDP: started, not closed, its UDP thread running. Without that thread every UDP
     * query of the node's workloads goes unanswered (fail closed), so the agent's liveness says so.
     */
    public boolean servingUdp() {
        return udp != null && !closing && udp.alive();
    }

    /** True when the UDP sockets read and send in batches (recvmmsg/sendmmsg): always, on {@link DnsUdp}. */
    boolean batchedUdp() {
        return udp != null && udp.batched();
    }

    /** UDP queries forwarded and not yet answered or timed out (for leak checks). */
    int pendingUpstream() {
        return pending.size();
    }

    /** TCP connections to upstreams now open (for leak checks). */
    int openUpstreamConnections() {
        return tcpUpstreamOpen.get();
    }

    private void onUdp(DnsUdp.Socket socket, byte[] query, InetSocketAddress sender, int family) {
        handle(query, family, UDP, Cidr.unmap(sender.getAddress()), sender.getPort(), answer -> {
            if (answer != null) {
                socket.send(answer, sender, null);
            }
        });
    }

    /** DNS over TCP: length-prefixed queries, several per connection, answered in whatever order they complete. */
    private void onTcp(NetSocket socket, int family) {
        int clientPort = socket.remoteAddress().port();
        InetAddress clientAddress = peer(socket.remoteAddress().host());
        DnsTcpConnection.serve(socket, (wire, reply) -> handle(wire, family, TCP, clientAddress, clientPort, reply), metrics);
    }

    /**
     * Answers one query: {@code reply} gets the answer, or null to drop the query (malformed input), once, on the
     * thread that received it (the UDP thread, a TCP connection's event loop); after a sweep of the full learned map,
     * on the query's Vert.x context (for UDP, {@link DnsUdp#context()}: its sockets send from any thread). Never
     * throws.
     */
    void handle(byte[] wire, int family, int proto, InetAddress clientAddress, int clientPort, Consumer<byte[]> reply) {
        Optional<DnsQuery> parsed = DnsQuery.parse(wire);
        if (parsed.isEmpty()) {
            metrics.error("malformed");
            reply.accept(null);
            return;
        }
        DnsQuery q = parsed.get();
        Optional<DnsClient> client = datapath.client(family, proto, clientAddress, clientPort);
        Optional<WorkloadPolicies.Bound> bound = client.flatMap(c -> policies.forCgroup(c.cgroupId()));
        if (bound.isEmpty()) {
            metrics.error("unattributed");
            reply.accept(Responses.blocked(q, Rcode.REFUSED, "egret: query not attributed to a policed workload"));
            return;
        }
        if (!q.forwardable()) {
            metrics.error("not_implemented");
            reply.accept(Responses.notImplemented(q));
            return;
        }
        WorkloadPolicies.Bound b = bound.get();
        DnsClient c = client.get();
        String name = q.nameText();
        Asked asked = new Asked(b, c, name, q.typeText(), proto == TCP ? "tcp" : "udp");
        NameDecision d = deciders.forPolicy(b.policy()).decide(name);
        if (d.verdict() == Verdict.DENY) {
            metrics.query(b.workload(), d.verdict());
            events.accept(asked.event(d, List.of()));
            int rcode = b.policy().spec().dns().deniedResponse() == DeniedResponse.NXDOMAIN ? Rcode.NXDOMAIN : Rcode.REFUSED;
            reply.accept(Responses.blocked(q, rcode, "blocked by egret policy " + b.policy().name()
                    + " (" + d.rule() + "): " + d.reason()));
            return;
        }
        long cgroupId = c.cgroupId();
        if (proto == UDP && !udpQuota.acquire(cgroupId)) {
            metrics.error("workload_busy");
            metrics.query(b.workload(), d.verdict());
            events.accept(asked.event(d, List.of()));
            reply.accept(Responses.servfail(q, "egret: this workload has its quota of queries at the upstreams already"));
            return;
        }
        Context ctx = proto == UDP ? udp.context() : vertx.getOrCreateContext(); // TCP: the connection's event loop
        long started = System.nanoTime();
        forward(q, proto, started, (relayed, err) -> {
            if (proto == UDP) {
                udpQuota.release(cgroupId);
            }
            try {
                if (err != null) {
                    metrics.error(err instanceof TcpBusy ? "tcp_busy"
                            : err instanceof TimeoutException ? "upstream_timeout" : "upstream_error");
                    metrics.query(b.workload(), d.verdict());
                    events.accept(asked.event(d, List.of()));
                    reply.accept(Responses.servfail(q, "egret: upstream resolver failed: " + err.getMessage()));
                    return;
                }
                long answered = System.nanoTime(); // one clock read for the upstream's time and the learned deadlines
                metrics.upstreamSeconds((answered - started) / 1e9);
                if (relayed.result().status() == AnswerAddresses.Status.UNPARSEABLE) {
                    metrics.error("malformed_upstream"); // relayed as received; nothing learned, so its addresses stay denied
                }
                learn(ctx, asked, d, relayed, q, reply, answered);
            } catch (RuntimeException e) {
                LOG.errorf(e, "DNS query for %s failed", name);
                reply.accept(Responses.servfail(q, "egret: internal error"));
            }
        });
    }

    /** Who asked what, for the event. */
    private record Asked(WorkloadPolicies.Bound bound, DnsClient client, String name, String type, String protocol) {
        DnsQueryEvent event(NameDecision d, List<InetAddress> learned) {
            return new DnsQueryEvent(Instant.now(), bound.workload(), bound.policy().name(), client.cgroupId(),
                    client.pid(), client.command(), name, type, protocol, d.verdict(), d.rule(), d.reason(), learned);
        }
    }

    /** An answer whose addresses go to the kernel with the others of its read batch, then released. */
    private record Held(Context ctx, Asked asked, NameDecision d, DnsQuery q, byte[] answer, RuleValue ports,
                        List<AnswerAddresses.Learned> addrs, List<InetAddress> learned, Consumer<byte[]> reply,
                        long start) {
    }

    /** Answers of the UDP read batch under way, held until it ends; on the UDP thread only. */
    private final List<Held> held = new ArrayList<>();
    /** {@link #releaseHeld} is due at the end of the read batch under way; on the UDP thread only. */
    private boolean releaseArmed;

    /**
     * Writes the answer's addresses to the kernel, for the asking workload only, then releases the answer. The read,
     * merge and write run on the receiving thread under the learned map's lock: no thread hand-off. Answers that
     * arrive in one read of the upstream socket are held until the read ends and written with one batch call, then
     * released together. Only a full map goes to the writer thread, which sweeps entries nobody can use and tries once
     * more while the answer is held (at most the datapath wait, then SERVFAIL).
     */
    private void learn(Context ctx, Asked asked, NameDecision d, Relayed relayed, DnsQuery q, Consumer<byte[]> reply,
                       long start) {
        List<AnswerAddresses.Learned> addrs = relayed.result().addresses();
        byte[] answer = relayed.result().status() == AnswerAddresses.Status.ERROR
                ? Responses.relayedError(q, AnswerAddresses.rcode(relayed.wire())) // with the question it left out
                : Responses.setId(relayed.wire(), q.id()); // the upstream's bytes are this answer's alone
        if (addrs.isEmpty()) {
            release(asked, d, List.of());
            reply.accept(answer);
            return;
        }
        List<InetAddress> learned = new ArrayList<>(addrs.size());
        for (AnswerAddresses.Learned l : addrs) {
            learned.add(l.address());
        }
        Held h = new Held(ctx, asked, d, q, answer, portValue(d.ports()), addrs, learned, reply, start);
        if (udp != null && udp.inReadBatch()) {
            if (!releaseArmed) { // not "held is empty": a release that failed half way must not leave answers behind
                udp.atBatchEnd(this::releaseHeld);
                releaseArmed = true; // only once it is due: should registering fail, the next answer tries again
            }
            held.add(h);
            return;
        }
        learnOne(h);
    }

    /**
     * The read batch ended: one merge and one write for every held answer, then each is released in order; an answer
     * whose workload moved to another policy meanwhile is not learned and fails ({@link #policyMoved}).
     */
    private void releaseHeld() {
        releaseArmed = false;
        List<Held> batch = new ArrayList<>(held);
        held.clear();
        if (batch.size() == 1) {
            learnOne(batch.getFirst());
            return;
        }
        long now = System.nanoTime();
        int addresses = 0;
        for (Held h : batch) {
            addresses += h.addrs().size();
        }
        List<LearnedIp> fresh = new ArrayList<>(addresses);
        int[] ownerOf = new int[addresses]; // the held answer of each fresh entry, by index
        for (int i = 0; i < batch.size(); i++) {
            Held h = batch.get(i);
            for (AnswerAddresses.Learned l : h.addrs()) {
                ownerOf[fresh.size()] = i;
                fresh.add(fresh(h.asked(), l, h.ports(), now));
            }
        }
        byte[] still = new byte[batch.size()]; // asked once per answer, not per address: 0 not yet, 1 holds, 2 moved
        int[] cursor = {0};
        int written;
        try {
            written = datapath.learnAll(fresh, now, config.grace().toNanos(), ip -> {
                int i = ownerOf[indexOf(fresh, ip, cursor)];
                if (still[i] == 0) {
                    still[i] = stillDecided(batch.get(i).asked()) ? (byte) 1 : (byte) 2;
                }
                return still[i] == 1;
            });
        } catch (RuntimeException e) { // a full map, say: each answer on its own (what went in is covered now)
            batch.forEach(this::learnOne);
            return;
        }
        long done = written == 0 ? 0 : System.nanoTime();
        for (int i = 0; i < batch.size(); i++) {
            Held h = batch.get(i);
            if (still[i] == 2) {
                h.reply().accept(policyMoved(h.asked(), h.d(), h.q(), h.start()));
            } else {
                answer(h, written == 0 ? 0 : (done - h.start()) / 1e9);
            }
        }
    }

    /**
     * The position of {@code ip} (by identity) in {@code list}, searched from {@code cursor[0]} on and around: entries
     * asked about in order are found at once.
     */
    private static int indexOf(List<LearnedIp> list, LearnedIp ip, int[] cursor) {
        int n = list.size();
        for (int k = 0; k < n; k++) {
            int at = (cursor[0] + k) % n;
            if (list.get(at) == ip) {
                cursor[0] = at + 1;
                return at;
            }
        }
        throw new IllegalStateException("not an entry of this batch");
    }

    /** Under the learned map's lock: the policy that decided still polices the asking workload. */
    private boolean stillDecided(Asked asked) {
        return policies.stillPolices(asked.client().cgroupId(), asked.bound());
    }

    /** The asking workload was moved to another policy (or unbound) while its query was in flight: nothing learned. */
    private static final class PolicyMoved extends RuntimeException {
        PolicyMoved() {
            super("the workload's policy changed while the query was in flight", null, false, false);
        }
    }

    /**
     * The answer of a query decided under a policy that no longer polices its workload: SERVFAIL (asking again gets
     * the new policy's decision), the query counted as answered with nothing learned.
     */
    private byte[] policyMoved(Asked asked, NameDecision d, DnsQuery q, long waitStart) {
        metrics.error("policy_changed");
        releaseQuietly(asked, d, waitStart);
        return Responses.servfail(q, "egret: the workload's policy changed while the query was in flight; ask again");
    }

    /**
     * Releases an answer whose addresses are in the kernel: the event first, so its listeners know the names before
     * the client connects, then the answer, which goes out whatever the audit or the metrics did.
     */
    private void answer(Held h, double waitSeconds) {
        try {
            metrics.datapathWaitSeconds(waitSeconds);
            release(h.asked(), h.d(), h.learned());
        } catch (RuntimeException e) {
            LOG.warnf(e, "DNS event for %s not recorded", h.asked().name());
        }
        try {
            h.reply().accept(h.answer());
        } catch (RuntimeException e) {
            LOG.warnf(e, "DNS answer for %s not sent", h.asked().name());
        }
    }

    /** One answer's addresses to the kernel, then its release (or SERVFAIL when they cannot be allowed). */
    private void learnOne(Held h) {
        int written;
        try {
            written = learnAll(h.asked(), h.ports(), h.addrs(), h.start());
        } catch (RuntimeException e) {
            if (e instanceof PolicyMoved) {
                h.reply().accept(policyMoved(h.asked(), h.d(), h.q(), h.start()));
            } else if (e instanceof BpfException b && b.isMapFull()) {
                afterSweep(h.ctx(), h.asked(), h.d(), h.q(), h.answer(), h.ports(), h.addrs(), h.learned())
                        .onComplete(ar -> h.reply().accept(ar.result()));
            } else {
                h.reply().accept(notLearned(h.asked(), h.d(), h.q(), e, h.start()));
            }
            return;
        }
        answer(h, written == 0 ? 0 : (System.nanoTime() - h.start()) / 1e9);
    }

    /**
     * The kernel value of a decision's ports, one per distinct port set, so the learned entries of a rule's names share
     * one value (bounded: cleared when it holds 1024 sets, which takes far more rules than a policy has).
     */
    private RuleValue portValue(Set<PortRange> ports) {
        synchronized (portValues) {
            RuleValue v = portValues.get(ports);
            if (v == null) {
                if (portValues.size() >= 1024) {
                    portValues.clear();
                }
                v = new RuleValue(new TreeSet<>(ports));
                portValues.put(ports, v);
            }
            return v;
        }
    }

    /** The map is full: the answer is held while the writer sweeps it and tries again. */
    private Future<byte[]> afterSweep(Context ctx, Asked asked, NameDecision d, DnsQuery q, byte[] answer,
                                      RuleValue ports, List<AnswerAddresses.Learned> addrs, List<InetAddress> learned) {
        Promise<byte[]> released = Promise.promise();
        long waitStart = System.nanoTime();
        long timer = ((ContextInternal) ctx).setTimer(config.datapathWait().toMillis(), t -> { // on ctx, as finish
            if (released.tryComplete(Responses.servfail(q, "egret: datapath update timed out"))) {
                metrics.error("datapath_timeout");
                metrics.datapathWaitSeconds((System.nanoTime() - waitStart) / 1e9);
            }
        });
        Consumer<RuntimeException> finish = failure -> ctx.runOnContext(v -> {
            if (released.future().isComplete()) {
                return; // the wait timed out: SERVFAIL went out already
            }
            vertx.cancelTimer(timer);
            if (failure != null) {
                released.complete(failure instanceof PolicyMoved ? policyMoved(asked, d, q, waitStart)
                        : notLearned(asked, d, q, failure, waitStart));
                return;
            }
            metrics.datapathWaitSeconds((System.nanoTime() - waitStart) / 1e9);
            release(asked, d, learned);
            released.complete(answer);
        });
        datapath.makeRoom().whenComplete((swept, err) -> writer.execute(() -> {
            try {
                learnAll(asked, ports, addrs, System.nanoTime());
                finish.accept(null);
            } catch (RuntimeException again) {
                finish.accept(again);
            }
        }));
        return released.future();
    }

    /** The answer's addresses could not be allowed: SERVFAIL, and the query counted as answered with nothing learned. */
    private byte[] notLearned(Asked asked, NameDecision d, DnsQuery q, RuntimeException e, long waitStart) {
        metrics.error("datapath_full");
        releaseQuietly(asked, d, waitStart);
        return Responses.servfail(q, "egret: cannot allow the answer's addresses: " + e.getMessage());
    }

    /**
     * Each address, merged with what the workload already has for it; returns how many entries were written. Throws
     * {@link PolicyMoved} when the policy that decided no longer polices the workload (nothing is written then).
     */
    private int learnAll(Asked asked, RuleValue ports, List<AnswerAddresses.Learned> addrs, long now) {
        // now: CLOCK_MONOTONIC, as bpf_ktime_get_ns
        List<LearnedIp> fresh = new ArrayList<>(addrs.size());
        for (AnswerAddresses.Learned l : addrs) {
            fresh.add(fresh(asked, l, ports, now));
        }
        Boolean[] still = {null}; // asked once, for the first address: the others are the same workload's
        int written = datapath.learnAll(fresh, now, config.grace().toNanos(), ip -> {
            if (still[0] == null) {
                still[0] = stillDecided(asked);
            }
            return still[0];
        });
        if (Boolean.FALSE.equals(still[0])) {
            throw new PolicyMoved();
        }
        return written;
    }

    private LearnedIp fresh(Asked asked, AnswerAddresses.Learned l, RuleValue ports, long now) {
        DnsSettings dns = asked.bound().policy().spec().dns();
        long expires = now + TimeUnit.SECONDS.toNanos(dns.clampTtl(l.ttlSeconds())) + config.grace().toNanos();
        return new LearnedIp(asked.client().cgroupId(), l.address(), expires, ports);
    }

    /** The event and the metrics of an answer that learned nothing; whatever they do, the answer still goes out. */
    private void releaseQuietly(Asked asked, NameDecision d, long waitStart) {
        try {
            metrics.datapathWaitSeconds((System.nanoTime() - waitStart) / 1e9);
            release(asked, d, List.of());
        } catch (RuntimeException e) {
            LOG.warnf(e, "DNS event for %s not recorded", asked.name());
        }
    }

    private void release(Asked asked, NameDecision d, List<InetAddress> learned) {
        metrics.query(asked.bound().workload(), d.verdict());
        events.accept(asked.event(d, learned));
    }

    /**
     * Asks the upstreams in turn; with more than one, a failed or silent one is followed by the next within the same
     * overall timeout (half of it each), so one dead resolver costs a client neither an error nor its own timeout.
     * Every UDP attempt waits equally long, so deadlines come in the order queries go out: {@link UpstreamPending}
     * expires from its oldest entry on that account.
     */
    private void forward(DnsQuery q, int proto, long now, Answered then) {
        List<InetSocketAddress> ups = config.upstreams();
        int attempts = Math.min(2, ups.size());
        long each = Math.max(1, config.timeout().toMillis() / attempts);
        int turn = nextUpstream.getAndIncrement();
        InetSocketAddress primary = ups.get(Math.floorMod(turn, ups.size()));
        if (attempts == 1) {
            forwardOnce(q, proto, primary, each, now, then);
            return;
        }
        InetSocketAddress next = ups.get(Math.floorMod(turn + 1, ups.size()));
        forwardOnce(q, proto, primary, each, now, (relayed, err) -> {
            if (err == null) {
                then.answered(relayed, null);
                return;
            }
            if (closing || err instanceof TcpBusy) { // busy: the next upstream would need a connection as well
                then.answered(null, err);
                return;
            }
            metrics.error(err instanceof TimeoutException ? "upstream_timeout" : "upstream_error");
            forwardOnce(q, proto, next, each, System.nanoTime(), then);
        });
    }

    private void forwardOnce(DnsQuery q, int proto, InetSocketAddress up, long timeoutMs, long now, Answered then) {
        if (proto == TCP) {
            forwardTcp(q, up, timeoutMs).onComplete(ar -> then.answered(ar.result(), ar.cause()));
        } else {
            forwardUdp(q, up, timeoutMs, now, then);
        }
    }

    /** On the UDP thread: the query goes out under a free random ID; its answer or its deadline follows. */
    private void forwardUdp(DnsQuery q, InetSocketAddress up, long timeoutMs, long now, Answered then) {
        if (closing) {
            then.answered(null, new IllegalStateException("DNS proxy closed"));
            return;
        }
        DnsUdp.Socket via = upstreamSocket;
        UdpWait wait = new UdpWait(q, up, timeoutMs, then, via);
        UpstreamPending.Entry<UdpWait> e = pending.add(wait, now + TimeUnit.MILLISECONDS.toNanos(timeoutMs));
        if (e == null) {
            then.answered(null, new IllegalStateException("too many queries in flight"));
            return;
        }
        armExpiry();
        byte[] out = Responses.withId(q.wire(), e.id());
        DnsWire.clampEdns(out, MAX_UDP_ANSWER);
        via.send(out, up, err -> {
            if (pending.remove(e)) {
                then.answered(null, err);
            }
        });
    }

    /** Fails the queries whose deadline passed; armed while any waits (one timer for all of them). */
    private void armExpiry() {
        if (expiryArmed) {
            return;
        }
        long next = pending.nextDeadline();
        if (next == Long.MAX_VALUE) {
            return;
        }
        long delayMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime()) + 1);
        expiryArmed = true;
        udp.schedule(delayMs, () -> {
            expiryArmed = false;
            for (UpstreamPending.Entry<UdpWait> e : pending.expire(System.nanoTime())) {
                UdpWait w = e.waiter;
                w.then().answered(null, new TimeoutException("no answer from " + w.upstream() + " in " + w.timeoutMs() + " ms"));
            }
            armExpiry();
        });
    }

    /** An upstream datagram: the answer to a pending query only if it comes from that upstream and answers it. */
    private void onUpstreamUdp(DnsUdp.Socket socket, byte[] b, InetSocketAddress sender) {
        if (b.length < 12) {
            metrics.error("malformed_upstream");
            return;
        }
        UpstreamPending.Entry<UdpWait> e = pending.get(Responses.id(b));
        UdpWait w = e == null ? null : e.waiter;
        if (w == null || socket != w.via() || sender.getPort() != w.upstream().getPort()
                || !Cidr.unmap(sender.getAddress()).equals(Cidr.unmap(w.upstream().getAddress()))) {
            metrics.error("upstream_mismatch");
            return;
        }
        AnswerAddresses.Result r = AnswerAddresses.of(b, w.query());
        if (r.status() == AnswerAddresses.Status.MISMATCH) {
            metrics.error("upstream_mismatch"); // keep waiting for the real answer
            return;
        }
        if (pending.remove(e)) {
            w.then().answered(new Relayed(b, r), null);
        }
    }

    /** A peer's address as the socket reports it (always a literal, so no resolver and no validation needed). */
    private static InetAddress peer(String literal) {
        return Cidr.unmap(InetAddress.ofLiteral(literal));
    }

    /** Too many TCP queries at the upstreams already ({@link #MAX_TCP_UPSTREAM}). */
    private static final class TcpBusy extends RuntimeException {
        TcpBusy() {
            super("too many TCP queries in flight to the upstreams", null, false, false);
        }
    }

    /**
     * One TCP connection per query, on a shared client; closed on answer, error or timeout. At most
     * {@link #MAX_TCP_UPSTREAM} at once, from the connect until the connection closed: beyond, fails with {@link TcpBusy}.
     */
    private Future<Relayed> forwardTcp(DnsQuery q, InetSocketAddress up, long timeoutMs) {
        if (tcpUpstreamInFlight.incrementAndGet() > MAX_TCP_UPSTREAM) {
            tcpUpstreamInFlight.decrementAndGet();
            return Future.failedFuture(new TcpBusy());
        }
        Promise<Relayed> p = Promise.promise();
        NetSocket[] open = new NetSocket[1];
        long timer = vertx.setTimer(timeoutMs, t -> {
            if (p.tryFail(new TimeoutException("no answer from " + up + " over TCP in " + timeoutMs + " ms"))
                    && open[0] != null) {
                open[0].close();
            }
        });
        upstreamTcp.connect(up.getPort(), up.getAddress().getHostAddress()).onComplete(ar -> {
            if (ar.failed()) {
                tcpUpstreamInFlight.decrementAndGet();
                vertx.cancelTimer(timer);
                p.tryFail(ar.cause());
                return;
            }
            NetSocket so = ar.result();
            tcpUpstreamOpen.incrementAndGet();
            so.closeHandler(v -> {
                tcpUpstreamOpen.decrementAndGet();
                tcpUpstreamInFlight.decrementAndGet();
            });
            if (p.future().isComplete()) { // timed out while connecting
                so.close();
                return;
            }
            open[0] = so;
            RecordParser parser = RecordParser.newFixed(2);
            boolean[] header = {true};
            parser.handler(buf -> {
                if (header[0]) {
                    header[0] = false;
                    parser.fixedSizeMode(Math.max(1, buf.getUnsignedShort(0)));
                    return;
                }
                header[0] = true;
                parser.fixedSizeMode(2);
                byte[] answer = buf.getBytes();
                AnswerAddresses.Result r = AnswerAddresses.of(answer, q);
                if (r.status() == AnswerAddresses.Status.MISMATCH) {
                    metrics.error("upstream_mismatch");
                    return;
                }
                vertx.cancelTimer(timer);
                p.tryComplete(new Relayed(answer, r));
                so.close();
            });
            so.handler(parser);
            so.exceptionHandler(e -> {
                vertx.cancelTimer(timer);
                p.tryFail(e);
                so.close();
            });
            so.closeHandler(v -> {
                tcpUpstreamOpen.decrementAndGet();
                tcpUpstreamInFlight.decrementAndGet();
                vertx.cancelTimer(timer);
                p.tryFail(new IllegalStateException(up + " closed the TCP connection without an answer"));
            });
            so.write(Buffer.buffer(q.wire().length + 2).appendUnsignedShort(q.wire().length).appendBytes(q.wire()));
        });
        return p.future();
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e.getCause() != null ? e.getCause().getMessage() : e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closing = true;
        if (portRotation != null) {
            portRotation.shutdownNow();
        }
        List<Future<Void>> closed = new ArrayList<>();
        tcp.forEach(t -> closed.add(t.close()));
        if (udp != null) {
            udp.close(); // the UDP sockets, the upstream one included, and free their ports before it returns
        }
        if (!Context.isOnEventLoopThread()) {
            try { // so that a fixed port is free again when close returns
                Future.join(closed).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // closed as far as it goes; a later bind says what is still held
            }
        }
        if (upstreamTcp != null) {
            upstreamTcp.close();
        }
        for (UpstreamPending.Entry<UdpWait> e : pending.drain()) {
            e.waiter.then().answered(null, new IllegalStateException("DNS proxy closed"));
        }
    }
}
