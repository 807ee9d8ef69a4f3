package dev.egret.node.dns;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.Size;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes everything the proxy does with bytes from outside: query parsing ({@link DnsQuery#parse}), the answers it
 * builds for any query it accepted ({@link Responses}), and upstream answers ({@link AnswerAddresses#of}), with
 * random bytes, mutated valid messages, and answers full of records dnsjava is known to choke on (WKS, NSEC/NSEC3
 * bitmaps, SVCB, APL, high-bit TTLs, compression loops). Nothing may throw. About 250,000 packets, well under a minute (CI runs it).
 */
class DnsParsingFuzzTest {
    /** Types whose rdata parsers are intricate: random rdata for them is where parsers break. */
    private static final int[] HOSTILE_TYPES = {Type.WKS, Type.NSEC, Type.NSEC3, Type.NSEC3PARAM, Type.SVCB, Type.HTTPS,
            Type.APL, Type.LOC, Type.HIP, Type.CAA, Type.TXT, Type.OPT, Type.TSIG, Type.SIG, Type.RRSIG, Type.DNSKEY,
            Type.A, Type.AAAA, Type.CNAME, Type.DNAME, Type.SOA, Type.NAPTR, Type.IPSECKEY, Type.AMTRELAY, Type.TKEY, 0, 65535};

    @Property(tries = 50_000)
    void randomBytesNeverBreakTheProxy(@ForAll @Size(max = 600) byte[] bytes, @ForAll boolean queryHeader) {
        if (queryHeader && bytes.length >= 12) { // a plausible query header over random sections
            bytes[2] &= 0x07;
            bytes[4] = 0;
            bytes[5] = 1;
        }
        exercise(bytes);
    }

    @Property(tries = 100_000)
    void mutatedQueriesNeverBreakTheProxy(@ForAll("mutatedQueries") byte[] bytes) {
        exercise(bytes);
    }

    @Property(tries = 100_000)
    void hostileUpstreamAnswersNeverBreakTheProxy(@ForAll("hostileAnswers") byte[] answer) {
        int type = answer.length >= 27 ? (answer[25] & 0xff) << 8 | answer[26] & 0xff : Type.A; // as the answer says
        DnsQuery q = DnsQuery.parse(DnsMessagesTest.query("target.test", type, true)).orElseThrow();
        AnswerAddresses.Result r = AnswerAddresses.of(answer, q);
        Statistics.label("answer").collect(r.status(), r.addresses().isEmpty() ? "nothing learned" : "learned");
        if (r.status() != AnswerAddresses.Status.ANSWER) {
            assertTrue(r.addresses().isEmpty());
            return;
        }
        // every learned address is the rdata of an IN A/AAAA record in the answer section
        Set<InetAddress> present = new HashSet<>();
        try {
            for (Record rec : new Message(answer).getSection(Section.ANSWER)) {
                if (rec.getDClass() == DClass.IN && rec instanceof ARecord a) {
                    present.add(a.getAddress());
                } else if (rec.getDClass() == DClass.IN && rec instanceof AAAARecord a) {
                    present.add(a.getAddress());
                }
            }
        } catch (Exception e) {
            throw new AssertionError("parsed once, not twice", e);
        }
        for (AnswerAddresses.Learned l : r.addresses()) {
            assertTrue(present.contains(l.address()), l.toString());
            assertTrue(l.ttlSeconds() >= 0 && l.ttlSeconds() <= 0x7fffffffL);
        }
    }

    /** What the proxy does with a client's bytes, short of the network. */
    private static void exercise(byte[] bytes) {
        Optional<DnsQuery> parsed = DnsQuery.parse(bytes);
        Statistics.label("query").collect(parsed.isPresent() ? "accepted" : "dropped as malformed");
        if (parsed.isEmpty()) {
            return;
        }
        DnsQuery q = parsed.get();
        q.nameText();
        q.typeText();
        NameDecider.decide(POLICY, q.nameText());
        for (byte[] made : List.of(Responses.blocked(q, Rcode.REFUSED, "blocked " + q.nameText()),
                Responses.servfail(q, "down"), Responses.notImplemented(q))) {
            Message m = parse(made);
            assertEquals(q.id(), m.getHeader().getID());
            assertTrue(m.getHeader().getFlag(Flags.QR));
            assertEquals(q.name(), m.getQuestion().getName());
            assertEquals(q.type(), m.getQuestion().getType());
            assertTrue(made.length <= 512, "fits UDP: " + made.length);
        }
        AnswerAddresses.of(bytes, q); // a query echoed back is not an answer: must not throw either
    }

    private static Message parse(byte[] b) {
        try {
            return new Message(b);
        } catch (Exception e) {
            throw new AssertionError("the proxy made an unparseable message", e);
        }
    }

    private static final dev.egret.policy.EgressPolicy POLICY = dev.egret.policy.PolicyCodec.parseYaml("""
            apiVersion: egret.dev/v1
            kind: EgressPolicy
            metadata: {name: fuzz}
            spec:
              egress: [{toFQDNs: [{matchPattern: "*.test"}, {matchPattern: "**.example"}, {matchName: a.b}]}]
              protects: ["x*.test"]
            """);

    @Provide
    Arbitrary<byte[]> mutatedQueries() {
        Arbitrary<byte[]> base = Combinators.combine(
                Arbitraries.strings().withChars("abcXYZ019-_.*\\ \u00e9").ofMinLength(1).ofMaxLength(70),
                Arbitraries.integers().between(0, 65535), Arbitraries.of(true, false)).as(DnsParsingFuzzTest::anyQuery);
        return Combinators.combine(base, Arbitraries.longs()).as(DnsParsingFuzzTest::mutate);
    }

    private static byte[] anyQuery(String name, int type, boolean edns) {
        Name n;
        try {
            n = Name.fromString(name, Name.root);
        } catch (Exception e) {
            n = DnsMessagesTest.name("fallback.test");
        }
        Message m = Message.newQuery(Record.newRecord(n, type, DClass.IN));
        if (edns) {
            m.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
        }
        return m.toWire();
    }

    @Provide
    Arbitrary<byte[]> hostileAnswers() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.of(true, false), Arbitraries.of(Type.A, Type.AAAA, Type.ANY, Type.CNAME))
                .as((seed, mutate, type) -> {
                    byte[] a = hostileAnswer(new Random(seed), type);
                    return mutate && seed % 3 == 0 ? mutate(a, seed) : a;
                });
    }

    /**
     * A response to "target.test" whose sections hold records of intricate types with random rdata, random TTLs
     * (high bit included), CNAME chains and loops, compression pointers anywhere (including loops), and lying counts.
     */
    static byte[] hostileAnswer(Random rnd, int qtype) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int[] counts = {1, rnd.nextInt(8), rnd.nextInt(3), rnd.nextInt(3)};
        boolean mostlyValid = rnd.nextBoolean();
        out.write(rnd.nextInt(256));
        out.write(rnd.nextInt(256));
        out.write(0x81); // QR, RD
        out.write(0x80);
        for (int c : counts) {
            out.write(0);
            out.write(c);
        }
        writeName(out, "target.test");
        u16(out, qtype);
        u16(out, DClass.IN);
        int total = counts[1] + counts[2] + counts[3];
        for (int i = 0; i < total; i++) {
            if (mostlyValid && rnd.nextInt(5) > 0) {
                writeValidRecord(out, rnd);
                continue;
            }
            switch (rnd.nextInt(4)) {
                case 0 -> writeName(out, rnd.nextBoolean() ? "target.test" : "alias" + rnd.nextInt(3) + ".test");
                case 1 -> u16(out, 0xc00c); // the question's name
                case 2 -> u16(out, 0xc000 | rnd.nextInt(out.size() + 4)); // anywhere, forward and self loops included
                default -> out.write(0);
            }
            int type = HOSTILE_TYPES[rnd.nextInt(HOSTILE_TYPES.length)];
            u16(out, type);
            u16(out, rnd.nextInt(10) == 0 ? rnd.nextInt(65536) : DClass.IN);
            int ttl = rnd.nextInt(4) == 0 ? 0x80000000 | rnd.nextInt() : rnd.nextInt(100_000);
            u16(out, ttl >>> 16);
            u16(out, ttl & 0xffff);
            byte[] rdata = rdata(rnd, type);
            u16(out, rnd.nextInt(20) == 0 ? rdata.length + rnd.nextInt(5) - 2 & 0xffff : rdata.length);
            out.writeBytes(rdata);
        }
        return out.toByteArray();
    }

    /** An A, AAAA or CNAME record on the chain from "target.test" (or off it), TTL high bit now and then. */
    private static void writeValidRecord(ByteArrayOutputStream out, Random rnd) {
        if (rnd.nextBoolean()) {
            u16(out, 0xc00c);
        } else {
            writeName(out, "alias" + rnd.nextInt(3) + ".test");
        }
        int type = switch (rnd.nextInt(3)) {
            case 0 -> Type.A;
            case 1 -> Type.AAAA;
            default -> Type.CNAME;
        };
        u16(out, type);
        u16(out, DClass.IN);
        int ttl = rnd.nextInt(8) == 0 ? 0x80000000 | rnd.nextInt() : rnd.nextInt(100_000);
        u16(out, ttl >>> 16);
        u16(out, ttl & 0xffff);
        byte[] rdata;
        if (type == Type.CNAME) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            writeName(b, rnd.nextInt(4) == 0 ? "target.test" : "alias" + rnd.nextInt(3) + ".test");
            rdata = b.toByteArray();
        } else {
            rdata = new byte[type == Type.A ? 4 : 16];
            rnd.nextBytes(rdata);
        }
        u16(out, rdata.length);
        out.writeBytes(rdata);
    }

    private static byte[] rdata(Random rnd, int type) {
        if (type == Type.A && rnd.nextBoolean()) {
            return new byte[]{127, 0, 0, (byte) rnd.nextInt(256)};
        }
        if (type == Type.AAAA && rnd.nextBoolean()) {
            byte[] b = new byte[16];
            rnd.nextBytes(b);
            return b;
        }
        if ((type == Type.CNAME || type == Type.DNAME) && rnd.nextBoolean()) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            writeName(b, rnd.nextBoolean() ? "target.test" : "alias" + rnd.nextInt(3) + ".test");
            return b.toByteArray();
        }
        byte[] b = new byte[rnd.nextInt(rnd.nextInt(10) == 0 ? 300 : 40)];
        rnd.nextBytes(b);
        if ((type == Type.NSEC || type == Type.NSEC3 || type == Type.WKS) && b.length > 2) {
            b[b.length - 2] = (byte) rnd.nextInt(3); // bitmap window and lengths that almost make sense
        }
        return b;
    }

    private static void writeName(ByteArrayOutputStream out, String name) {
        for (String label : name.split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        out.write(0);
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write(v >> 8 & 0xff);
        out.write(v & 0xff);
    }

    /** A few random edits: bit flips, byte overwrites (counts and lengths included), cuts, insertions, splices. */
    static byte[] mutate(byte[] in, long seed) {
        Random rnd = new Random(seed);
        byte[] b = in.clone();
        int edits = 1 + rnd.nextInt(4);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(7)) {
                case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> b[at] = (byte) rnd.nextInt(256);
                case 2 -> b = Arrays.copyOf(b, at);
                case 3 -> {
                    byte[] ins = new byte[1 + rnd.nextInt(8)];
                    rnd.nextBytes(ins);
                    byte[] nb = new byte[b.length + ins.length];
                    System.arraycopy(b, 0, nb, 0, at);
                    System.arraycopy(ins, 0, nb, at, ins.length);
                    System.arraycopy(b, at, nb, at + ins.length, b.length - at);
                    b = nb;
                }
                case 4 -> { // a section count
                    if (b.length >= 12) {
                        b[4 + 2 * rnd.nextInt(4) + 1] = (byte) rnd.nextInt(256);
                    }
                }
                case 5 -> { // a compression pointer
                    if (at + 1 < b.length) {
                        b[at] = (byte) (0xc0 | rnd.nextInt(64));
                        b[at + 1] = (byte) rnd.nextInt(256);
                    }
                }
                default -> { // splice a copy of a tail
                    int from = rnd.nextInt(b.length);
                    List<Byte> l = new ArrayList<>();
                    for (byte x : b) {
                        l.add(x);
                    }
                    for (int i = from; i < b.length; i++) {
                        l.add(b[i]);
                    }
                    b = new byte[l.size()];
                    for (int i = 0; i < b.length; i++) {
                        b[i] = l.get(i);
                    }
                }
            }
        }
        return b;
    }
}
