package dev.egret.node.dns;

import org.xbill.DNS.DNSInput;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.util.Optional;

/**
 * A client's query as the proxy accepts it: a parseable message, not a response, with exactly one question. The
 * bytes are kept as received: an allowed query is forwarded as sent, with only its ID changed. Queries in the common
 * shape are read straight off the wire ({@link DnsWire#query}); others are parsed by dnsjava. Immutable and pure.
 */
public final class DnsQuery {
    private final byte[] wire;
    private final int id;
    private final int opcode;
    private final boolean rd;
    private final String nameText;
    private final int nameLength;
    private final int type;
    private final int dclass;
    private final boolean edns;
    private volatile Name name;

    private DnsQuery(byte[] wire, int id, int opcode, boolean rd, String nameText, int nameLength, int type, int dclass,
                     boolean edns, Name name) {
        this.wire = wire;
        this.id = id;
        this.opcode = opcode;
        this.rd = rd;
        this.nameText = nameText;
        this.nameLength = nameLength;
        this.type = type;
        this.dclass = dclass;
        this.edns = edns;
        this.name = name;
    }

    /** The query, or empty for anything that is not one (garbage, truncated, a response, no or several questions). */
    public static Optional<DnsQuery> parse(byte[] wire) {
        DnsWire.Question q = DnsWire.query(wire);
        if (q != null) {
            return Optional.of(new DnsQuery(wire, q.id(), q.opcode(), q.rd(), q.name(), q.nameLength(), q.type(),
                    q.dclass(), q.edns(), null));
        }
        return parseWithDnsjava(wire);
    }

    /** What {@link #parse} falls back to: dnsjava's reading of the whole message. */
    static Optional<DnsQuery> parseWithDnsjava(byte[] wire) {
        if (wire == null || wire.length < 12 || wire.length > 65535) {
            return Optional.empty();
        }
        try {
            Message m = new Message(wire);
            if (m.getHeader().getFlag(Flags.QR) || m.getHeader().getCount(Section.QUESTION) != 1) {
                return Optional.empty();
            }
            Record q = m.getQuestion();
            if (q == null) {
                return Optional.empty();
            }
            return Optional.of(new DnsQuery(wire, m.getHeader().getID(), m.getHeader().getOpcode(),
                    m.getHeader().getFlag(Flags.RD), q.getName().toString(true), q.getName().length(), q.getType(),
                    q.getDClass(), m.getOPT() != null, q.getName()));
        } catch (Exception | StackOverflowError e) { // dnsjava throws more than WireParseException on hostile input
            return Optional.empty();
        }
    }

    /** The bytes as received. */
    public byte[] wire() {
        return wire;
    }

    public int id() {
        return id;
    }

    public int opcode() {
        return opcode;
    }

    /** Whether the client asked for recursion (the RD flag), echoed in answers the proxy makes. */
    public boolean rd() {
        return rd;
    }

    /** The question's name as dnsjava reads it (made on first use: only answers the proxy builds need it). */
    public Name name() {
        Name n = name;
        if (n == null) {
            try {
                DNSInput in = new DNSInput(wire);
                in.jump(12);
                name = n = new Name(in);
            } catch (Exception e) { // the fast path only accepts names dnsjava reads
                throw new IllegalStateException("question name unreadable", e);
            }
        }
        return n;
    }

    /** Bytes of the question's name on the wire, at offset 12. */
    public int nameLength() {
        return nameLength;
    }

    public int type() {
        return type;
    }

    public int dclass() {
        return dclass;
    }

    /** Whether the query carried an OPT record (only then may an answer carry one, e.g. with an EDE). */
    public boolean edns() {
        return edns;
    }

    /** The name as policies see it: presentation format, without the trailing dot. */
    public String nameText() {
        return nameText;
    }

    public String typeText() {
        return Type.string(type);
    }

    /** What the proxy forwards: standard queries for ordinary types (no zone transfers, no updates or notifies). */
    public boolean forwardable() {
        return opcode == Opcode.QUERY && type != Type.AXFR && type != Type.IXFR;
    }
}
