package dev.egret.node.dns;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Queries the proxy accepts, answers it makes, and what it learns from upstream answers. */
class DnsMessagesTest {
    static Name name(String n) {
        try {
            return Name.fromString(n, Name.root);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static byte[] query(String n, int type, boolean edns) {
        Message m = Message.newQuery(Record.newRecord(name(n), type, DClass.IN));
        m.getHeader().setID(0x1234);
        if (edns) {
            m.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        }
        return m.toWire();
    }

    static DnsQuery parsed(String n, int type, boolean edns) {
        return DnsQuery.parse(query(n, type, edns)).orElseThrow();
    }

    static Message answer(DnsQuery q, Record... records) {
        Message m = new Message(q.id());
        m.getHeader().setFlag(Flags.QR);
        m.addRecord(Record.newRecord(q.name(), q.type(), q.dclass()), Section.QUESTION);
        for (Record r : records) {
            m.addRecord(r, Section.ANSWER);
        }
        return m;
    }

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void onlyQueriesWithOneQuestionAreAccepted() {
        DnsQuery q = parsed("Allowed.Test", Type.AAAA, true);
        assertEquals("Allowed.Test", q.nameText());
        assertEquals("AAAA", q.typeText());
        assertTrue(q.edns());
        assertTrue(q.forwardable());
        assertTrue(DnsQuery.parse(new byte[11]).isEmpty());
        assertTrue(DnsQuery.parse(Arrays.copyOf(query("a.test", Type.A, false), 20)).isEmpty(), "cut short");
        byte[] response = query("a.test", Type.A, false);
        response[2] |= (byte) 0x80;
        assertTrue(DnsQuery.parse(response).isEmpty(), "a response");
        byte[] noQuestion = new Message(7).toWire();
        assertTrue(DnsQuery.parse(noQuestion).isEmpty(), "no question");
        assertFalse(parsed("zone.test", Type.AXFR, false).forwardable());
        Message notify = Message.newQuery(Record.newRecord(name("zone.test"), Type.SOA, DClass.IN));
        notify.getHeader().setOpcode(Opcode.NOTIFY);
        assertFalse(DnsQuery.parse(notify.toWire()).orElseThrow().forwardable());
    }

    @Test
    void refusalsCarryEdeBlockedOnlyToEdnsClientsAndFitInUdp() throws Exception {
        DnsQuery q = parsed("denied.test", Type.A, true);
        Message r = new Message(Responses.blocked(q, Rcode.NXDOMAIN, "blocked: " + "x".repeat(1000)));
        assertEquals(0x1234, r.getHeader().getID());
        assertTrue(r.getHeader().getFlag(Flags.QR));
        assertTrue(r.getHeader().getFlag(Flags.RD));
        assertEquals(Rcode.NXDOMAIN, r.getRcode());
        assertEquals(q.name(), r.getQuestion().getName());
        ExtendedErrorCodeOption ede = (ExtendedErrorCodeOption) r.getOPT().getOptions().get(0);
        assertEquals(ExtendedErrorCodeOption.BLOCKED, ede.getErrorCode());
        assertTrue(ede.getText().startsWith("blocked: xxx") && ede.getText().endsWith("..."), ede.getText());
        assertTrue(Responses.blocked(parsed("a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + ".test", Type.A, true),
                Rcode.REFUSED, "y".repeat(1000)).length <= 512);
        Message plain = new Message(Responses.blocked(parsed("denied.test", Type.A, false), Rcode.REFUSED, "no"));
        assertEquals(Rcode.REFUSED, plain.getRcode());
        assertNull(plain.getOPT(), "no OPT for a client that sent none (RFC 6891)");
        assertEquals(Rcode.SERVFAIL, new Message(Responses.servfail(q, "down")).getRcode());
        assertEquals(Rcode.NOTIMP, new Message(Responses.notImplemented(q)).getRcode());
    }

    @Test
    void relayedAnswersOnlyChangeTheirId() {
        byte[] a = {0x12, 0x34, 1, 2, 3};
        assertArrayEquals(new byte[]{0x00, 0x07, 1, 2, 3}, Responses.withId(a, 7));
        assertEquals(0x1234, Responses.id(a));
    }

    @Test
    void addressesFollowTheCnameChainFromTheQuestionWithTheSmallestTtl() {
        DnsQuery q = parsed("alias.test", Type.A, false);
        Message m = answer(q,
                new CNAMERecord(name("alias.test"), DClass.IN, 30, name("mid.test")),
                new CNAMERecord(name("mid.test"), DClass.IN, 300, name("target.test")),
                new ARecord(name("target.test"), DClass.IN, 60, ip("192.0.2.1")),
                new ARecord(name("unrelated.test"), DClass.IN, 60, ip("192.0.2.66")),
                new AAAARecord(name("target.test"), DClass.IN, 10, ip("2001:db8::1")));
        AnswerAddresses.Result r = AnswerAddresses.of(m.toWire(), q);
        assertEquals(AnswerAddresses.Status.ANSWER, r.status());
        assertEquals(List.of(new AnswerAddresses.Learned(ip("192.0.2.1"), 30), new AnswerAddresses.Learned(ip("2001:db8::1"), 10)),
                r.addresses());
    }

    @Test
    void cnameLoopsEndAndOtherClassesAndHighBitTtlsAreHandled() {
        DnsQuery q = parsed("loop.test", Type.A, false);
        Message m = answer(q,
                new CNAMERecord(name("loop.test"), DClass.IN, 60, name("back.test")),
                new CNAMERecord(name("back.test"), DClass.IN, 60, name("loop.test")),
                new ARecord(name("back.test"), DClass.IN, 60, ip("192.0.2.2")),
                new ARecord(name("loop.test"), DClass.CH, 60, ip("192.0.2.3")));
        assertEquals(List.of(new AnswerAddresses.Learned(ip("192.0.2.2"), 60)), AnswerAddresses.of(m.toWire(), q).addresses());
        byte[] wire = answer(q, new ARecord(name("loop.test"), DClass.IN, 60, ip("192.0.2.4"))).toWire();
        wire[wire.length - 10] = (byte) 0x80; // TTL 0x8000003c: RFC 2181 says zero
        assertEquals(List.of(new AnswerAddresses.Learned(ip("192.0.2.4"), 0)), AnswerAddresses.of(wire, q).addresses());
    }

    @Test
    void answersToAnotherQuestionAreNotAnswers() {
        DnsQuery q = parsed("allowed.test", Type.A, false);
        byte[] other = answer(parsed("evil.test", Type.A, false), new ARecord(name("evil.test"), DClass.IN, 60, ip("192.0.2.9"))).toWire();
        assertEquals(AnswerAddresses.Status.MISMATCH, AnswerAddresses.of(other, q).status());
        assertEquals(AnswerAddresses.Status.MISMATCH, AnswerAddresses.of(answer(parsed("allowed.test", Type.AAAA, false)).toWire(), q).status());
        assertEquals(AnswerAddresses.Status.MISMATCH, AnswerAddresses.of(query("allowed.test", Type.A, false), q).status(), "not a response");
        byte[] mixedCase = answer(parsed("ALLOWED.test", Type.A, false), new ARecord(name("allowed.test"), DClass.IN, 60, ip("192.0.2.5"))).toWire();
        assertEquals(List.of(new AnswerAddresses.Learned(ip("192.0.2.5"), 60)), AnswerAddresses.of(mixedCase, q).addresses());
        byte[] garbled = answer(q, new ARecord(name("allowed.test"), DClass.IN, 60, ip("192.0.2.6"))).toWire();
        garbled[garbled.length - 5] = 9; // rdlength 9 for an A record running past the end
        assertEquals(AnswerAddresses.Status.UNPARSEABLE, AnswerAddresses.of(garbled, q).status());
    }

    @Test
    void anErrorWithoutQuestionIsAnErrorOnlyWithoutAnswersAndWithAnRcode() {
        DnsQuery q = parsed("allowed.test", Type.A, false);
        Message formerr = new Message(q.id());
        formerr.getHeader().setFlag(org.xbill.DNS.Flags.QR);
        formerr.getHeader().setRcode(org.xbill.DNS.Rcode.FORMERR);
        AnswerAddresses.Result r = AnswerAddresses.of(formerr.toWire(), q);
        assertEquals(AnswerAddresses.Status.ERROR, r.status());
        assertEquals(List.of(), r.addresses());
        assertEquals(org.xbill.DNS.Rcode.FORMERR, AnswerAddresses.rcode(formerr.toWire()));
        Message noError = new Message(q.id());
        noError.getHeader().setFlag(org.xbill.DNS.Flags.QR);
        assertEquals(AnswerAddresses.Status.MISMATCH, AnswerAddresses.of(noError.toWire(), q).status(), "NOERROR needs the question");
        formerr.addRecord(new ARecord(name("allowed.test"), DClass.IN, 60, ip("192.0.2.7")), Section.ANSWER);
        assertEquals(AnswerAddresses.Status.MISMATCH, AnswerAddresses.of(formerr.toWire(), q).status(), "answers need the question");
        Message notAResponse = new Message(q.id());
        notAResponse.getHeader().setRcode(org.xbill.DNS.Rcode.REFUSED);
        assertEquals(AnswerAddresses.Status.MISMATCH, AnswerAddresses.of(notAResponse.toWire(), q).status(), "not a response");
    }
}
