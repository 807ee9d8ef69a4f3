package dev.egret.node.dns;

import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Answers the proxy makes itself: refusals with an Extended DNS Error (RFC 8914), SERVFAIL and NOTIMP. Only the
 * question of the query is copied, never its other records. An EDE rides in an OPT record, so it is sent only to
 * clients that sent one (RFC 6891); its text is kept short so the answer fits 512 bytes. Pure.
 */
public final class Responses {
    static final int MAX_TEXT_BYTES = 180;

    private Responses() {
    }

    /** {@code rcode} (REFUSED or NXDOMAIN) with EDE 15 "Blocked" carrying {@code text}. */
    public static byte[] blocked(DnsQuery query, int rcode, String text) {
        return answer(query, rcode, new ExtendedErrorCodeOption(ExtendedErrorCodeOption.BLOCKED, shorten(text)));
    }

    public static byte[] servfail(DnsQuery query, String text) {
        return answer(query, Rcode.SERVFAIL, new ExtendedErrorCodeOption(ExtendedErrorCodeOption.NETWORK_ERROR, shorten(text)));
    }

    public static byte[] notImplemented(DnsQuery query) {
        return answer(query, Rcode.NOTIMP, null);
    }

    /** An upstream's error {@code rcode}, relayed for the query's question (the upstream sent none). */
    public static byte[] relayedError(DnsQuery query, int rcode) {
        return answer(query, rcode, null);
    }

    private static byte[] answer(DnsQuery query, int rcode, ExtendedErrorCodeOption ede) {
        Message r = new Message(query.id());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.RA);
        r.getHeader().setOpcode(query.opcode());
        if (query.rd()) {
            r.getHeader().setFlag(Flags.RD);
        }
        r.getHeader().setRcode(rcode);
        r.addRecord(Record.newRecord(query.name(), query.type(), query.dclass()), Section.QUESTION);
        if (query.edns()) {
            r.addRecord(new OPTRecord(1232, 0, 0, 0, ede == null ? List.of() : List.of(ede)), Section.ADDITIONAL);
        }
        return r.toWire();
    }

    /** At most {@link #MAX_TEXT_BYTES} bytes of UTF-8, cut at a character boundary. */
    static String shorten(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (b.length <= MAX_TEXT_BYTES) {
            return text;
        }
        int end = MAX_TEXT_BYTES - 3;
        while (end > 0 && (b[end] & 0xc0) == 0x80) {
            end--;
        }
        return new String(b, 0, end, StandardCharsets.UTF_8) + "...";
    }

    /** The same message with another ID: answers are relayed as the upstream sent them, never re-serialised. */
    public static byte[] withId(byte[] message, int id) {
        byte[] copy = message.clone();
        copy[0] = (byte) (id >> 8);
        copy[1] = (byte) id;
        return copy;
    }

    /** Rewrites the ID in place, for a message that is the caller's alone; returns it. */
    public static byte[] setId(byte[] message, int id) {
        message[0] = (byte) (id >> 8);
        message[1] = (byte) id;
        return message;
    }

    public static int id(byte[] message) {
        return ((message[0] & 0xff) << 8) | (message[1] & 0xff);
    }
}
