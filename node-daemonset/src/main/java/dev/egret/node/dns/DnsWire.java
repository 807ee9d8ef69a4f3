package dev.egret.node.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxy's fast path through DNS messages: the common shapes of a query (one question, at most an OPT record) and
 * of an answer (A, AAAA and CNAME records, at most an OPT record) read straight off the wire, without building a
 * message. Anything else, or anything it is unsure of, it declines ({@code null}), and the caller parses with
 * dnsjava. What it accepts dnsjava accepts too, with the same meaning: names follow dnsjava's rules (compression
 * pointers only backwards, at most 255 bytes, no extended label types), records must fill their rdata exactly, and
 * EDNS options that dnsjava checks are only accepted in shapes it accepts. Pure; never throws on any input.
 */
final class DnsWire {
    static final int TYPE_A = 1;
    static final int TYPE_CNAME = 5;
    static final int TYPE_AAAA = 28;
    static final int TYPE_OPT = 41;
    static final int TYPE_SIG = 24;
    static final int TYPE_TSIG = 250;
    static final int CLASS_IN = 1;
    private static final int MAX_NAME = 255;
    /** Answer records read at most; a longer answer goes to dnsjava. */
    private static final int MAX_RECORDS = 64;
    private static final int MAX_CHAIN = 16;

    private DnsWire() {
    }

    /** A query's header and question, as read off the wire. */
    record Question(int id, int opcode, boolean rd, String name, int nameLength, int type, int dclass, boolean edns) {
    }

    /**
     * The question of a query in the common shape: not a response, one question whose name has only letters,
     * digits, '-' and '_' in its labels (so its text needs no escapes), no answer or authority records, and at most
     * an OPT record; nothing after it. Else null.
     */
    static Question query(byte[] m) {
        if (m == null || m.length < 17 || m.length > 65535 || (m[2] & 0x80) != 0 || u16(m, 4) != 1 || u16(m, 6) != 0
                || u16(m, 8) != 0 || u16(m, 10) > 1) {
            return null;
        }
        int pos = 12;
        StringBuilder text = new StringBuilder(64);
        while (true) {
            int len = m[pos] & 0xff;
            if (len == 0) {
                pos++;
                break;
            }
            if (len > 63 || pos + 1 + len >= m.length || pos + 1 + len - 12 > MAX_NAME - 1) {
                return null; // pointers, extended labels, too long or cut short
            }
            if (!text.isEmpty()) {
                text.append('.');
            }
            for (int i = pos + 1; i <= pos + len; i++) {
                int c = m[i] & 0xff;
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                    return null;
                }
                text.append((char) c);
            }
            pos += 1 + len;
        }
        if (text.isEmpty() || pos + 4 > m.length) {
            return null;
        }
        int nameLength = pos - 12;
        int type = u16(m, pos);
        int dclass = u16(m, pos + 2);
        pos += 4;
        boolean edns = u16(m, 10) == 1;
        if (edns) {
            pos = opt(m, pos);
        }
        if (pos != m.length) {
            return null;
        }
        return new Question(u16(m, 0), (m[2] >> 3) & 0xf, (m[2] & 0x01) != 0, text.toString(), nameLength, type,
                dclass, edns);
    }

    /**
     * The addresses an answer gives for its question (at offset 12, {@code nameLength} bytes, already checked to be
     * the query's), following the CNAME chain from it: IN-class A and AAAA records of the names on the chain, each
     * with the smallest TTL along the way (a TTL with the high bit set counts as zero). Null when the answer is not
     * in the common shape (truncated, authority records, additional records other than one OPT, other record types,
     * more than {@value #MAX_RECORDS} records): then dnsjava decides.
     */
    static List<AnswerAddresses.Learned> addresses(byte[] m, int nameLength) {
        int an = u16(m, 6);
        if (skipName(m, 12) != 12 + nameLength || (m[2] & 0x02) != 0 || an > MAX_RECORDS || u16(m, 8) != 0 || u16(m, 10) > 1) {
            return null;
        }
        int pos = 12 + nameLength + 4;
        // each answer record: owner, type, class, TTL (high bit: zero), rdata offset; one array for all of them
        int[] rr = new int[an * 5];
        for (int i = 0; i < an; i++) {
            int at = i * 5;
            rr[at] = pos;
            pos = skipName(m, pos);
            if (pos < 0 || pos + 10 > m.length) {
                return null;
            }
            rr[at + 1] = u16(m, pos);
            rr[at + 2] = u16(m, pos + 2);
            long t = u32(m, pos + 4);
            rr[at + 3] = t > 0x7fffffffL ? 0 : (int) t; // RFC 2181: a TTL with the high bit set means zero
            int rdlength = u16(m, pos + 8);
            rr[at + 4] = pos + 10;
            pos += 10 + rdlength;
            if (pos > m.length) {
                return null;
            }
            boolean fits = switch (rr[at + 1]) {
                case TYPE_A -> rdlength == 4;
                case TYPE_AAAA -> rdlength == 16;
                case TYPE_CNAME -> skipName(m, rr[at + 4]) == pos;
                default -> false;
            };
            if (!fits) {
                return null;
            }
        }
        if (u16(m, 10) == 1) {
            pos = opt(m, pos);
        }
        if (pos != m.length) {
            return null;
        }
        // the chain: the question's name, then each CNAME's target from the name before it
        int[] chain = new int[MAX_CHAIN + 1];
        int names = 0;
        chain[names++] = 12;
        long chainTtl = Long.MAX_VALUE;
        for (int hop = 0; hop < MAX_CHAIN; hop++) {
            int next = -1;
            for (int at = 0; at < rr.length; at += 5) {
                if (rr[at + 1] == TYPE_CNAME && rr[at + 2] == CLASS_IN && sameName(m, rr[at], chain[names - 1])) {
                    next = rr[at + 4];
                    chainTtl = Math.min(chainTtl, rr[at + 3]);
                    break;
                }
            }
            if (next < 0 || onChain(m, chain, names, next)) {
                break;
            }
            chain[names++] = next;
        }
        List<AnswerAddresses.Learned> out = new ArrayList<>(an);
        for (int at = 0; at < rr.length; at += 5) {
            int type = rr[at + 1];
            if ((type == TYPE_A || type == TYPE_AAAA) && rr[at + 2] == CLASS_IN && onChain(m, chain, names, rr[at])) {
                out.add(new AnswerAddresses.Learned(address(m, rr[at + 4], type == TYPE_A ? 4 : 16), Math.min(chainTtl, rr[at + 3])));
            }
        }
        return out;
    }

    private static boolean onChain(byte[] m, int[] chain, int names, int name) {
        for (int i = 0; i < names; i++) {
            if (sameName(m, chain[i], name)) {
                return true;
            }
        }
        return false;
    }

    private static InetAddress address(byte[] m, int at, int len) {
        byte[] b = new byte[len];
        System.arraycopy(m, at, b, 0, len);
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes: cannot happen
        }
    }

    /**
     * Lowers, in place, the UDP payload size an OPT record of {@code m} advertises to at most {@code max}, as
     * forwarders do toward their upstreams (dnsmasq's edns-packet-max): an answer larger than that comes back
     * truncated (TC), and the client retries over TCP. False when the message cannot be walked or is signed (TSIG,
     * SIG(0)): nothing changed.
     */
    static boolean clampEdns(byte[] m, int max) {
        if (m == null || m.length < 12) {
            return false;
        }
        int pos = 12;
        for (int i = u16(m, 4); i > 0; i--) {
            pos = skipName(m, pos);
            if (pos < 0 || pos + 4 > m.length) {
                return false;
            }
            pos += 4;
        }
        int beforeAdditional = u16(m, 6) + u16(m, 8);
        int records = beforeAdditional + u16(m, 10);
        int optAt = -1;
        for (int i = 0; i < records; i++) {
            pos = skipName(m, pos);
            if (pos < 0 || pos + 10 > m.length) {
                return false;
            }
            int type = u16(m, pos);
            if (i >= beforeAdditional && (type == TYPE_TSIG || type == TYPE_SIG)) {
                return false; // a signed query: its signature covers the OPT record, which stays as it is
            }
            if (i >= beforeAdditional && type == TYPE_OPT) {
                optAt = pos;
            }
            pos += 10 + u16(m, pos + 8);
            if (pos > m.length) {
                return false;
            }
        }
        if (optAt >= 0 && u16(m, optAt + 2) > max) {
            m[optAt + 2] = (byte) (max >> 8);
            m[optAt + 3] = (byte) max;
        }
        return true;
    }

    /**
     * An OPT record at {@code pos}: the root name, type OPT, options that fill its rdata, none in a shape dnsjava
     * would refuse. Returns the position after it, or -1.
     */
    private static int opt(byte[] m, int pos) {
        if (pos + 11 > m.length || m[pos] != 0 || u16(m, pos + 1) != TYPE_OPT) {
            return -1;
        }
        int end = pos + 11 + u16(m, pos + 9);
        if (end > m.length) {
            return -1;
        }
        for (int o = pos + 11; o < end; ) {
            if (o + 4 > end) {
                return -1;
            }
            int code = u16(m, o);
            int len = u16(m, o + 2);
            o += 4 + len;
            if (o > end || !optionAccepted(code, len)) {
                return -1;
            }
        }
        return end;
    }

    /** Options dnsjava reads without checks, and cookies and extended errors in the shapes it accepts. */
    private static boolean optionAccepted(int code, int len) {
        return switch (code) {
            case 5, 6, 7, 8, 11 -> false; // algorithm lists, client subnet, keepalive: dnsjava checks them, we do not
            case 10 -> len == 8 || len >= 16 && len <= 40; // cookie
            case 15 -> len >= 2; // extended DNS error
            default -> true;
        };
    }

    /**
     * Skips a (possibly compressed) name at {@code pos} as dnsjava reads it: normal labels, pointers only to before
     * themselves, at most 255 bytes in all. Returns the position after it, or -1.
     */
    static int skipName(byte[] m, int pos) {
        int end = -1;
        int length = 1;
        int p = pos;
        while (true) {
            if (p >= m.length) {
                return -1;
            }
            int len = m[p] & 0xff;
            if (len == 0) {
                return end < 0 ? p + 1 : end;
            }
            if ((len & 0xc0) == 0xc0) {
                if (p + 1 >= m.length) {
                    return -1;
                }
                int target = ((len & 0x3f) << 8) | (m[p + 1] & 0xff);
                if (target >= p) {
                    return -1; // only backwards: no loops
                }
                if (end < 0) {
                    end = p + 2;
                }
                p = target;
                continue;
            }
            if ((len & 0xc0) != 0) {
                return -1;
            }
            length += 1 + len;
            if (length > MAX_NAME || p + 1 + len > m.length) {
                return -1;
            }
            p += 1 + len;
        }
    }

    /** Two names of the message (both already skipped once, so well formed) compared case-insensitively. */
    static boolean sameName(byte[] m, int a, int b) {
        while (true) {
            a = follow(m, a);
            b = follow(m, b);
            if (a == b) {
                return true;
            }
            int la = m[a] & 0xff;
            if (la != (m[b] & 0xff)) {
                return false;
            }
            if (la == 0) {
                return true;
            }
            for (int i = 1; i <= la; i++) {
                if (lower(m[a + i]) != lower(m[b + i])) {
                    return false;
                }
            }
            a += 1 + la;
            b += 1 + la;
        }
    }

    private static int follow(byte[] m, int p) {
        while ((m[p] & 0xc0) == 0xc0) {
            p = ((m[p] & 0x3f) << 8) | (m[p + 1] & 0xff);
        }
        return p;
    }

    private static int lower(byte c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    static int u16(byte[] m, int at) {
        return ((m[at] & 0xff) << 8) | (m[at + 1] & 0xff);
    }

    private static long u32(byte[] m, int at) {
        return ((long) u16(m, at) << 16) | u16(m, at + 2);
    }
}
