package dev.egret.node.dns;

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
 * bytes are kept as received: an allowed query is forwarded as sent, with only its ID changed. Pure.
 *
 * @param edns whether the query carried an OPT record (only then may an answer carry one, e.g. with an EDE)
 */
public record DnsQuery(byte[] wire, Message message, int id, Name name, int type, int dclass, int opcode, boolean edns) {

    /** The query, or empty for anything that is not one (garbage, truncated, a response, no or several questions). */
    public static Optional<DnsQuery> parse(byte[] wire) {
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
            return Optional.of(new DnsQuery(wire, m, m.getHeader().getID(), q.getName(), q.getType(), q.getDClass(),
                    m.getHeader().getOpcode(), m.getOPT() != null));
        } catch (Exception | StackOverflowError e) { // dnsjava throws more than WireParseException on hostile input
            return Optional.empty();
        }
    }

    /** The name as policies see it: presentation format, without the trailing dot. */
    public String nameText() {
        return name.toString(true);
    }

    public String typeText() {
        return Type.string(type);
    }

    /** What the proxy forwards: standard queries for ordinary types (no zone transfers, no updates or notifies). */
    public boolean forwardable() {
        return opcode == Opcode.QUERY && type != Type.AXFR && type != Type.IXFR;
    }
}
