package dev.egret.node.testkit;

import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** An authoritative test zone on 127.0.0.1 (UDP and TCP, one port), so tests never ask a real resolver. */
public final class TestDnsServer implements AutoCloseable {
    private final Map<Name, List<Record>> zone = new ConcurrentHashMap<>();
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    public final AtomicInteger queries = new AtomicInteger();

    public TestDnsServer() throws IOException {
        DatagramSocket u = null;
        ServerSocket t = null;
        for (int attempt = 0; attempt < 20 && t == null; attempt++) {
            u = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            try {
                t = new ServerSocket();
                t.bind(new InetSocketAddress("127.0.0.1", u.getLocalPort()));
            } catch (IOException e) {
                u.close();
                t = null;
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

    public String upstream() {
        return "127.0.0.1:" + port();
    }

    public TestDnsServer add(String record) throws IOException {
        Name n = Name.fromString(record.split("\\s+")[0], Name.root);
        Record r = Record.fromString(n, typeOf(record), org.xbill.DNS.DClass.IN, ttlOf(record), dataOf(record), Name.root);
        zone.computeIfAbsent(n, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(r);
        return this;
    }

    // "name ttl TYPE data"
    private static int typeOf(String s) {
        return org.xbill.DNS.Type.value(s.split("\\s+")[2]);
    }

    private static long ttlOf(String s) {
        return Long.parseLong(s.split("\\s+")[1]);
    }

    private static String dataOf(String s) {
        return s.split("\\s+", 4)[3];
    }

    byte[] answer(byte[] query) throws IOException {
        queries.incrementAndGet();
        Message q = new Message(query);
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
        return r.toWire();
    }

    private void serveUdp() {
        byte[] buf = new byte[4096];
        while (!udp.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                byte[] a = answer(java.util.Arrays.copyOf(p.getData(), p.getLength()));
                udp.send(new DatagramPacket(a, a.length, p.getSocketAddress()));
            } catch (IOException ignored) {
                // closed or bad query
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try (Socket s = tcp.accept()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                byte[] q = new byte[in.readUnsignedShort()];
                in.readFully(q);
                byte[] a = answer(q);
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeShort(a.length);
                out.write(a);
                out.flush();
            } catch (IOException ignored) {
                // closed
            }
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
