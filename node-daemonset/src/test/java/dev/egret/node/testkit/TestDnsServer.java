package dev.egret.node.testkit;

import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
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
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An authoritative test zone on a loopback address (UDP and TCP, one port), so tests never ask a real resolver.
 * Like a real server it truncates UDP answers to the client's size (512 bytes, or its EDNS size) and sets TC, and
 * over TCP it answers several queries per connection, each when it is ready (names can be given a delay).
 */
public final class TestDnsServer implements AutoCloseable {
    private final Map<Name, List<Record>> zone = new ConcurrentHashMap<>();
    private final Map<Name, Long> delays = new ConcurrentHashMap<>();
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    public final AtomicInteger queries = new AtomicInteger();
    public final AtomicInteger udpQueries = new AtomicInteger();
    public final AtomicInteger tcpQueries = new AtomicInteger();
    public final AtomicInteger truncated = new AtomicInteger();
    /** Names asked, in order. */
    public final List<String> asked = new CopyOnWriteArrayList<>();

    /** On 127.0.0.1, a free port. */
    public TestDnsServer() throws IOException {
        this(new InetSocketAddress("127.0.0.1", 0));
    }

    /** On a given loopback address and port (port 0: a free one). */
    public TestDnsServer(InetSocketAddress bind) throws IOException {
        DatagramSocket u = null;
        ServerSocket t = null;
        for (int attempt = 0; attempt < 20 && t == null; attempt++) {
            u = new DatagramSocket(bind);
            try {
                t = new ServerSocket();
                t.setReuseAddress(true);
                t.bind(new InetSocketAddress(bind.getAddress(), u.getLocalPort()));
            } catch (IOException e) {
                u.close();
                t = null;
                if (bind.getPort() != 0) {
                    throw e;
                }
            }
        }
        this.udp = u;
        this.tcp = t;
        Thread.ofPlatform().daemon().start(this::serveUdp);
        Thread.ofPlatform().daemon().start(this::serveTcp);
    }

    public int port() {
        return udp.getLocalPort();
    }

    public InetAddress address() {
        return udp.getLocalAddress();
    }

    /** {@code HOST:PORT} as the proxy's upstream option takes it. */
    public String upstream() {
        return address().getHostAddress() + ":" + port();
    }

    /** Adds a record, "name ttl TYPE data". */
    public TestDnsServer add(String record) throws IOException {
        String[] f = record.split("\\s+", 4);
        Name n = Name.fromString(f[0], Name.root);
        Record r = Record.fromString(n, Type.value(f[2]), DClass.IN, Long.parseLong(f[1]), f[3], Name.root);
        zone.computeIfAbsent(n, k -> new CopyOnWriteArrayList<>()).add(r);
        return this;
    }

    /** Answers queries for {@code name} only after {@code millis}. */
    public TestDnsServer delay(String name, long millis) throws IOException {
        delays.put(Name.fromString(name, Name.root), millis);
        return this;
    }

    byte[] answer(byte[] query, boolean overUdp) throws IOException {
        queries.incrementAndGet();
        Message q = new Message(query);
        asked.add(q.getQuestion().getName().toString(true));
        Long delay = delays.get(q.getQuestion().getName());
        if (delay != null) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.AA);
        if (q.getHeader().getFlag(Flags.RD)) {
            r.getHeader().setFlag(Flags.RD);
        }
        r.addRecord(q.getQuestion(), Section.QUESTION);
        Name name = q.getQuestion().getName();
        int type = q.getQuestion().getType();
        boolean found = false;
        for (int hop = 0; hop < 8; hop++) {
            List<Record> rs = zone.getOrDefault(name, List.of());
            Name next = null;
            for (Record rec : rs) {
                if (rec.getType() == type) {
                    r.addRecord(rec, Section.ANSWER);
                    found = true;
                } else if (rec instanceof CNAMERecord c) {
                    r.addRecord(rec, Section.ANSWER);
                    next = c.getTarget();
                    found = true;
                }
            }
            if (next == null) {
                break;
            }
            name = next;
        }
        if (!found && !zone.containsKey(q.getQuestion().getName())) {
            r.getHeader().setRcode(Rcode.NXDOMAIN);
        }
        OPTRecord opt = q.getOPT();
        if (opt != null) {
            r.addRecord(new OPTRecord(Math.max(512, Math.min(4096, opt.getPayloadSize())), 0, 0), Section.ADDITIONAL);
        }
        int limit = opt == null ? 512 : Math.max(512, opt.getPayloadSize());
        byte[] wire = r.toWire();
        if (overUdp && wire.length > limit) {
            truncated.incrementAndGet();
            return r.toWire(limit); // dnsjava drops what does not fit and sets TC
        }
        return wire;
    }

    private void serveUdp() {
        byte[] buf = new byte[65535];
        while (!udp.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                byte[] query = Arrays.copyOf(p.getData(), p.getLength());
                InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
                udpQueries.incrementAndGet();
                Thread.ofVirtual().start(() -> {
                    try {
                        byte[] a = answer(query, true);
                        udp.send(new DatagramPacket(a, a.length, from));
                    } catch (IOException | RuntimeException ignored) {
                        // closed or bad query
                    }
                });
            } catch (IOException ignored) {
                // closed
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try {
                Socket s = tcp.accept();
                Thread.ofVirtual().start(() -> serveConnection(s));
            } catch (IOException ignored) {
                // closed
            }
        }
    }

    /** Several queries per connection; each answered on its own thread, so a slow one does not hold up the next. */
    private void serveConnection(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            while (true) {
                byte[] q = new byte[in.readUnsignedShort()];
                in.readFully(q);
                tcpQueries.incrementAndGet();
                Thread.ofVirtual().start(() -> {
                    try {
                        byte[] a = answer(q, false);
                        synchronized (out) {
                            out.writeShort(a.length);
                            out.write(a);
                            out.flush();
                        }
                    } catch (IOException | RuntimeException ignored) {
                        // client gone or bad query
                    }
                });
            }
        } catch (IOException ignored) {
            // client closed
        }
    }

    @Override
    public void close() {
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
