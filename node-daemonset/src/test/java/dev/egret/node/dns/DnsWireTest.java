package dev.egret.node.dns;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.CookieOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast path reads what dnsjava reads: for queries and answers, valid (compressed, mixed case, CNAME chains, EDNS
 * options) and mutated, whenever {@link DnsWire} accepts a message dnsjava parses it too and both say the same.
 */
class DnsWireTest {
    @Property(tries = 20_000)
    void fastQueriesAreDnsjavasQueries(@ForAll("queries") byte[] wire) {
        DnsWire.Question fast = DnsWire.query(wire);
        Optional<DnsQuery> slow = DnsQuery.parseWithDnsjava(wire);
        Statistics.label("query").collect(fast != null ? "fast" : slow.isPresent() ? "dnsjava only" : "malformed");
        if (fast == null) {
            return;
        }
        assertTrue(slow.isPresent(), "dnsjava refuses what the fast path took");
        DnsQuery s = slow.get();
        DnsQuery f = DnsQuery.parse(wire).orElseThrow();
        assertEquals(s.id(), f.id());
        assertEquals(s.opcode(), f.opcode());
        assertEquals(s.rd(), f.rd());
        assertEquals(s.nameText(), f.nameText());
        assertEquals(s.nameLength(), f.nameLength());
        assertEquals(s.name(), f.name());
        assertEquals(s.type(), f.type());
        assertEquals(s.dclass(), f.dclass());
        assertEquals(s.edns(), f.edns());
    }

    @Property(tries = 20_000)
    void fastAnswersAreDnsjavasAnswers(@ForAll("answers") byte[] answer) {
        DnsQuery q = DnsQuery.parse(DnsMessagesTest.query("target.test", Type.A, true)).orElseThrow();
        AnswerAddresses.Status status = AnswerAddresses.of(answer, q).status();
        if (status == AnswerAddresses.Status.MISMATCH || status == AnswerAddresses.Status.ERROR) {
            Statistics.label("answer").collect("another question");
            return;
        }
        List<AnswerAddresses.Learned> fast = DnsWire.addresses(answer, q.nameLength());
        Message m;
        try {
            m = new Message(answer);
        } catch (Exception e) {
            Statistics.label("answer").collect(fast == null ? "malformed" : "FAST ONLY");
            assertNull(fast, "the fast path took what dnsjava refuses");
            return;
        }
        Statistics.label("answer").collect(fast != null ? "fast" : "dnsjava only");
        if (fast != null) {
            assertEquals(AnswerAddresses.of(m, q.name()), fast);
        }
    }

    @Test
    void commonShapesTakeTheFastPath() throws Exception {
        byte[] dig = query("Api.GitHub.com", Type.AAAA, new CookieOption(new byte[8]));
        DnsWire.Question q = DnsWire.query(dig);
        assertNotNull(q);
        assertEquals("Api.GitHub.com", q.name());
        assertTrue(q.edns() && q.rd());
        assertNotNull(DnsWire.query(DnsMessagesTest.query("plain.test", Type.A, false)));
        assertNull(DnsWire.query(DnsMessagesTest.query("a\\.dot.test", Type.A, false)), "escaped text: dnsjava's");
        assertNull(DnsWire.query(query("subnet.test", Type.A, new GenericEDNSOption(8, new byte[]{0, 1, 24, 0, 10, 0, 0}))),
                "client subnet: dnsjava checks it");

        DnsQuery asked = DnsQuery.parse(DnsMessagesTest.query("alias.test", Type.A, true)).orElseThrow();
        Message a = DnsMessagesTest.answer(asked,
                new CNAMERecord(DnsMessagesTest.name("ALIAS.test"), DClass.IN, 30, DnsMessagesTest.name("target.test")),
                new ARecord(DnsMessagesTest.name("target.test"), DClass.IN, 60, InetAddress.getByName("192.0.2.1")));
        a.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        assertEquals(List.of(new AnswerAddresses.Learned(InetAddress.getByName("192.0.2.1"), 30)),
                DnsWire.addresses(a.toWire(), asked.nameLength()));
        a.addRecord(new TXTRecord(DnsMessagesTest.name("target.test"), DClass.IN, 60, "x"), Section.ANSWER);
        assertNull(DnsWire.addresses(a.toWire(), asked.nameLength()), "other record types: dnsjava's");
    }

    @Test
    void forwardedQueriesAdvertiseAtMostTheProxysUdpSize() throws Exception {
        Message m = Message.newQuery(Record.newRecord(DnsMessagesTest.name("a.test"), Type.A, DClass.IN));
        m.addRecord(new OPTRecord(65535, 0, 0, 0, List.of(new CookieOption(new byte[8]))), Section.ADDITIONAL);
        byte[] wire = m.toWire();
        assertTrue(DnsWire.clampEdns(wire, 4096));
        assertEquals(4096, new Message(wire).getOPT().getPayloadSize());
        byte[] small = DnsMessagesTest.query("a.test", Type.A, true); // 1232
        assertTrue(DnsWire.clampEdns(small, 4096));
        assertEquals(1232, new Message(small).getOPT().getPayloadSize());
        byte[] none = DnsMessagesTest.query("a.test", Type.A, false);
        byte[] before = none.clone();
        assertTrue(DnsWire.clampEdns(none, 4096));
        assertArrayEquals(before, none);
        assertFalse(DnsWire.clampEdns(java.util.Arrays.copyOf(wire, wire.length - 3), 4096), "cut short");
        Message signed = Message.newQuery(Record.newRecord(DnsMessagesTest.name("a.test"), Type.A, DClass.IN));
        signed.addRecord(new OPTRecord(65535, 0, 0), Section.ADDITIONAL);
        new org.xbill.DNS.TSIG(org.xbill.DNS.TSIG.HMAC_SHA256, "key.", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0").apply(signed, null);
        byte[] s = signed.toWire();
        byte[] unsigned = s.clone();
        assertFalse(DnsWire.clampEdns(s, 4096), "a signed query is left as it is: its signature covers the OPT record");
        assertArrayEquals(unsigned, s);
    }

    private static byte[] query(String name, int type, EDNSOption option) {
        Message m = Message.newQuery(Record.newRecord(DnsMessagesTest.name(name), type, DClass.IN));
        m.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(option)), Section.ADDITIONAL);
        return m.toWire();
    }

    @Provide
    Arbitrary<byte[]> queries() {
        Arbitrary<byte[]> valid = Combinators.combine(
                Arbitraries.strings().withChars("abcXYZ09-_.*\\ \u00e9").ofMinLength(1).ofMaxLength(80),
                Arbitraries.integers().between(0, 65535), Arbitraries.integers().between(0, 4), Arbitraries.longs())
                .as((name, type, edns, seed) -> anyQuery(name, type, edns, new Random(seed)));
        return Combinators.combine(valid, Arbitraries.longs(), Arbitraries.integers().between(0, 2))
                .as((q, seed, mutate) -> mutate == 0 ? DnsParsingFuzzTest.mutate(q, seed) : q);
    }

    private static byte[] anyQuery(String text, int type, int edns, Random rnd) {
        Name n;
        try {
            n = Name.fromString(text, Name.root);
        } catch (Exception e) {
            n = DnsMessagesTest.name("fallback.test");
        }
        Message m = Message.newQuery(Record.newRecord(n, type, rnd.nextInt(8) == 0 ? DClass.CH : DClass.IN));
        m.getHeader().setID(rnd.nextInt(65536));
        if (rnd.nextBoolean()) {
            m.getHeader().unsetFlag(Flags.RD);
        }
        if (edns > 0) {
            m.addRecord(new OPTRecord(1232, 0, 0, 0, options(rnd, edns - 1)), Section.ADDITIONAL);
        }
        return m.toWire();
    }

    private static List<EDNSOption> options(Random rnd, int n) {
        List<EDNSOption> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(switch (rnd.nextInt(4)) {
                case 0 -> new CookieOption(new byte[8]);
                case 1 -> new ExtendedErrorCodeOption(rnd.nextInt(30), "x");
                case 2 -> new GenericEDNSOption(12, new byte[rnd.nextInt(20)]); // padding
                default -> new GenericEDNSOption(rnd.nextInt(20), new byte[rnd.nextInt(12)]);
            });
        }
        return out;
    }

    @Provide
    Arbitrary<byte[]> answers() {
        Arbitrary<byte[]> valid = Arbitraries.longs().map(seed -> validAnswer(new Random(seed)));
        Arbitrary<byte[]> hostile = Arbitraries.longs().map(seed -> DnsParsingFuzzTest.hostileAnswer(new Random(seed), Type.A));
        return Combinators.combine(Arbitraries.oneOf(valid, hostile), Arbitraries.longs(), Arbitraries.integers().between(0, 2))
                .as((a, seed, mutate) -> mutate == 0 ? DnsParsingFuzzTest.mutate(a, seed) : a);
    }

    /** An answer to "target.test" A as dnsjava writes it (compressed): chains, loops, mixed case, other classes. */
    private static byte[] validAnswer(Random rnd) {
        try {
            Message m = new Message(rnd.nextInt(65536));
            m.getHeader().setFlag(Flags.QR);
            m.addRecord(Record.newRecord(DnsMessagesTest.name("target.test"), Type.A, DClass.IN), Section.QUESTION);
            String[] names = {"target.test", "TARGET.Test", "a1.test", "a2.test", "a3.other"};
            int records = rnd.nextInt(8);
            for (int i = 0; i < records; i++) {
                Name owner = DnsMessagesTest.name(names[rnd.nextInt(names.length)]);
                int dclass = rnd.nextInt(10) == 0 ? DClass.CH : DClass.IN;
                long ttl = rnd.nextInt(100_000); // high-bit TTLs: the hostile answers have them
                m.addRecord(switch (rnd.nextInt(3)) {
                    case 0 -> new CNAMERecord(owner, dclass, ttl, DnsMessagesTest.name(names[rnd.nextInt(names.length)]));
                    case 1 -> new ARecord(owner, dclass, ttl, InetAddress.getByAddress(new byte[]{10, 0, 0, (byte) rnd.nextInt(256)}));
                    default -> {
                        byte[] b = new byte[16];
                        rnd.nextBytes(b);
                        if (rnd.nextBoolean()) { // IPv4-mapped
                            java.util.Arrays.fill(b, 0, 10, (byte) 0);
                            b[10] = b[11] = (byte) 0xff;
                        }
                        yield new AAAARecord(owner, dclass, ttl, b);
                    }
                }, Section.ANSWER);
            }
            if (rnd.nextBoolean()) {
                m.addRecord(new OPTRecord(1232, 0, 0, 0, options(rnd, rnd.nextInt(3))), Section.ADDITIONAL);
            }
            return m.toWire();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
