package dev.egret.node.dns;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The addresses an upstream answer gives for a query, following the CNAME chain from the query's name: only
 * IN-class A and AAAA records of the names on that chain count. Answers in the common shape are read straight off the
 * wire ({@link DnsWire#addresses}), others by dnsjava, with the same result. Parsing never throws. Pure.
 */
public final class AnswerAddresses {
    /** An address and the smallest TTL along the chain that led to it. */
    public record Learned(InetAddress address, long ttlSeconds) {
    }

    private static final int MAX_CHAIN = 16;

    private AnswerAddresses() {
    }

    /** What an upstream's bytes are to a query. */
    public enum Status {
        /** An answer to the query, parsed: its addresses may be learned. */
        ANSWER,
        /** An answer to the query that does not parse here: relayed as sent, nothing learned (its addresses stay denied). */
        UNPARSEABLE,
        /**
         * An error without question and answers (QDCOUNT 0: FORMERR, REFUSED or SERVFAIL as BIND and Unbound may send
         * them): its rcode is the answer, for the query's question; nothing is learned.
         */
        ERROR,
        /** Not an answer to this query (not a response, another question): never relayed, it may be spoofed. */
        MISMATCH
    }

    public record Result(Status status, List<Learned> addresses) {
    }

    /**
     * Checks that {@code answer} is a response to exactly the question of {@code query} (on the wire, case-insensitive,
     * independent of any parser), then extracts its addresses. A response without question is taken only as an
     * {@link Status#ERROR}: an rcode other than NOERROR, and no answers.
     */
    public static Result of(byte[] answer, DnsQuery query) {
        if (questionlessError(answer)) {
            return new Result(Status.ERROR, List.of());
        }
        int nameLen = query.nameLength();
        if (answer == null || answer.length < 12 + nameLen + 4 || (answer[2] & 0x80) == 0 || answer[4] != 0
                || answer[5] != 1 || !sameBytes(answer, query.wire(), 12, nameLen, true)
                || !sameBytes(answer, query.wire(), 12 + nameLen, 4, false)) {
            return new Result(Status.MISMATCH, List.of());
        }
        List<Learned> fast = DnsWire.addresses(answer, nameLen);
        if (fast != null) {
            return new Result(Status.ANSWER, fast);
        }
        try {
            return new Result(Status.ANSWER, of(new Message(answer), query.name()));
        } catch (Exception | StackOverflowError e) { // dnsjava throws more than WireParseException on hostile input
            return new Result(Status.UNPARSEABLE, List.of());
        }
    }

    /** A response with an rcode other than NOERROR, no question and no answers. */
    private static boolean questionlessError(byte[] answer) {
        return answer != null && answer.length >= 12 && (answer[2] & 0x80) != 0 && rcode(answer) != 0
                && answer[4] == 0 && answer[5] == 0 && answer[6] == 0 && answer[7] == 0;
    }

    /** The header's rcode (its low four bits; an EDNS extension is not read). */
    public static int rcode(byte[] message) {
        return message[3] & 0x0f;
    }

    private static boolean sameBytes(byte[] a, byte[] b, int from, int len, boolean ignoreCase) {
        if (b.length < from + len) {
            return false;
        }
        for (int i = from; i < from + len; i++) {
            if (a[i] != b[i] && (!ignoreCase || lower(a[i]) != lower(b[i]))) {
                return false;
            }
        }
        return true;
    }

    private static int lower(byte c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    /** The addresses for {@code question} in the answer section. */
    public static List<Learned> of(Message answer, Name question) {
        List<Record> records = answer.getSection(Section.ANSWER);
        Set<Name> names = new HashSet<>();
        Name current = question;
        names.add(current);
        long chainTtl = Long.MAX_VALUE;
        for (int hop = 0; hop < MAX_CHAIN; hop++) {
            Name next = null;
            for (Record r : records) {
                if (r instanceof CNAMERecord c && r.getDClass() == DClass.IN && c.getName().equals(current)) {
                    next = c.getTarget();
                    chainTtl = Math.min(chainTtl, ttl(c));
                    break;
                }
            }
            if (next == null || !names.add(next)) {
                break;
            }
            current = next;
        }
        List<Learned> out = new ArrayList<>();
        for (Record r : records) {
            if (r.getDClass() != DClass.IN || !names.contains(r.getName())) {
                continue;
            }
            if (r instanceof ARecord a) {
                out.add(new Learned(a.getAddress(), Math.min(chainTtl, ttl(r))));
            } else if (r instanceof AAAARecord a) {
                out.add(new Learned(a.getAddress(), Math.min(chainTtl, ttl(r))));
            }
        }
        return out;
    }

    private static long ttl(Record r) {
        long t = r.getTTL();
        return t < 0 || t > 0x7fffffffL ? 0 : t; // RFC 2181: a TTL with the high bit set means zero
    }
}
