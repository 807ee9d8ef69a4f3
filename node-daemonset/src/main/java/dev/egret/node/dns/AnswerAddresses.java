package dev.egret.node.dns;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The addresses an answer gives for its question, following the CNAME chain from the question name. Pure. */
public final class AnswerAddresses {
    /** An address and the smallest TTL along the chain that led to it. */
    public record Learned(InetAddress address, long ttlSeconds) {
    }

    private static final int MAX_CHAIN = 16;

    private AnswerAddresses() {
    }

    public static List<Learned> of(Message answer) {
        Record q = answer.getQuestion();
        if (q == null) {
            return List.of();
        }
        List<Record> records = answer.getSection(Section.ANSWER);
        Set<Name> names = new HashSet<>();
        Name current = q.getName();
        names.add(current);
        long chainTtl = Long.MAX_VALUE;
        for (int hop = 0; hop < MAX_CHAIN; hop++) {
            Name next = null;
            for (Record r : records) {
                if (r instanceof CNAMERecord c && c.getName().equals(current)) {
                    next = c.getTarget();
                    chainTtl = Math.min(chainTtl, ttl(c));
                }
            }
            if (next == null || !names.add(next)) {
                break;
            }
            current = next;
        }
        List<Learned> out = new ArrayList<>();
        for (Record r : records) {
            if (!names.contains(r.getName())) {
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
