package dev.egret.node.dns;

import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

import java.util.List;

/** Answers the proxy makes itself: refusals with an Extended DNS Error, and SERVFAIL. Pure. */
public final class Responses {
    private Responses() {
    }

    /** {@code rcode} (REFUSED or NXDOMAIN) with EDE 15 "Blocked" carrying {@code text}. */
    public static byte[] blocked(Message query, int rcode, String text) {
        return answer(query, rcode, new ExtendedErrorCodeOption(ExtendedErrorCodeOption.BLOCKED, text));
    }

    public static byte[] servfail(Message query, String text) {
        return answer(query, Rcode.SERVFAIL, new ExtendedErrorCodeOption(ExtendedErrorCodeOption.NETWORK_ERROR, text));
    }

    private static byte[] answer(Message query, int rcode, ExtendedErrorCodeOption ede) {
        Message r = new Message(query.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) {
            r.getHeader().setFlag(Flags.RD);
        }
        r.getHeader().setRcode(rcode);
        Record q = query.getQuestion();
        if (q != null) {
            r.addRecord(q, Section.QUESTION);
        }
        r.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(ede)), Section.ADDITIONAL);
        return r.toWire();
    }

    /** The same message with another ID: answers are relayed as the upstream sent them, never re-serialised. */
    public static byte[] withId(byte[] message, int id) {
        byte[] copy = message.clone();
        copy[0] = (byte) (id >> 8);
        copy[1] = (byte) id;
        return copy;
    }

    public static int id(byte[] message) {
        return ((message[0] & 0xff) << 8) | (message[1] & 0xff);
    }
}
