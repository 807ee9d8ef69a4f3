package dev.egret.policy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Properties of name matching and validation over generated names, patterns and documents. */
class PolicyPropertiesTest {

    @Provide
    Arbitrary<String> labels() {
        return Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789-_").ofMinLength(1).ofMaxLength(12);
    }

    @Provide
    Arbitrary<String> names() {
        return labels().list().ofMinSize(1).ofMaxSize(5).map(l -> String.join(".", l));
    }

    /** The matcher as first written (split the name into labels): a reference for the one that does not allocate. */
    private static boolean referenceMatches(String pattern, String name) {
        String p = DnsNames.normalize(pattern);
        if (name == null || name.isEmpty()) {
            return false;
        }
        String n = DnsNames.normalize(name);
        if (n.isEmpty() || n.length() > DnsNames.MAX_NAME) {
            return false;
        }
        if (p.equals("*")) {
            return true;
        }
        boolean multi = p.startsWith("**.");
        String[] pl = (multi ? p.substring(3) : p).split("\\.", -1);
        String[] nl = n.split("\\.", -1);
        int offset = nl.length - pl.length;
        if (multi ? offset < 1 : offset != 0) {
            return false;
        }
        for (int i = 0; i < pl.length; i++) {
            if (!NamePattern.Glob.matchLabel(pl[i], nl[offset + i])) {
                return false;
            }
        }
        for (int i = 0; multi && i < offset; i++) {
            if (nl[i].isEmpty()) {
                return false;
            }
        }
        return true;
    }

    @Provide
    Arbitrary<String> roughNames() { // empty labels, dots at either end, case, stars as characters
        return Arbitraries.strings().withChars("abAB.-*").ofMinLength(0).ofMaxLength(14);
    }

    @Provide
    Arbitrary<String> patterns() {
        Arbitrary<String> label = Arbitraries.strings().withChars("ab*-").ofMinLength(1).ofMaxLength(4)
                .filter(l -> !l.contains("**"));
        return Combinators.combine(Arbitraries.of("", "**."), label.list().ofMinSize(1).ofMaxSize(3))
                .as((prefix, ls) -> prefix + String.join(".", ls));
    }

    @Property(tries = 20_000)
    void matchingAgreesWithTheReference(@ForAll("patterns") String pattern, @ForAll("roughNames") String name) {
        NamePattern p;
        try {
            p = NamePattern.compile(pattern);
        } catch (IllegalArgumentException e) {
            return;
        }
        boolean expected = referenceMatches(pattern, name);
        net.jqwik.api.statistics.Statistics.collect(expected ? "match" : "no match");
        assertEquals(expected, p.matches(name), pattern + " vs '" + name + "'");
    }

    @Property
    void aNameMatchesItselfInAnyCase(@ForAll("names") String name) {
        NamePattern p = NamePattern.exact(name);
        assertTrue(p.matches(name));
        assertTrue(p.matches(name.toUpperCase() + "."));
    }

    @Property
    void doubleStarMatchesEverySubdomainButNotTheParent(@ForAll("names") String parent, @ForAll("names") String sub) {
        NamePattern p = NamePattern.compile("**." + parent);
        assertTrue(p.matches(sub + "." + parent));
        assertFalse(p.matches(parent));
    }

    @Property
    void singleStarNeverSpansTwoLabels(@ForAll("names") String parent, @ForAll("labels") String a, @ForAll("labels") String b) {
        NamePattern p = NamePattern.compile("*." + parent);
        assertTrue(p.matches(a + "." + parent));
        assertFalse(p.matches(a + "." + b + "." + parent));
        assertFalse(p.matches(parent));
    }

    @Property
    void labelBoundariesHold(@ForAll("names") String name, @ForAll("labels") String glued) {
        assertFalse(NamePattern.exact(name).matches(glued + name));
        assertFalse(NamePattern.compile("*." + name).matches(glued + name));
        assertFalse(NamePattern.compile("**." + name).matches(glued + name));
        assertFalse(NamePattern.exact(name).matches(name + glued));
    }

    @Property
    void matcherAgreesWithPatternsOneByOne(@ForAll("patternLists") List<String> patterns, @ForAll("names") String name) {
        List<FqdnSelector> sel = patterns.stream().map(FqdnSelector::pattern).toList();
        Integer expected = null;
        for (int i = 0; i < sel.size(); i++) {
            if (sel.get(i).compile().matches(name)) {
                expected = i;
                break;
            }
        }
        assertTrue(java.util.Objects.equals(expected, FqdnMatcher.of(sel).firstMatch(name).orElse(null)));
    }

    @Property
    void compiledDeciderAgreesWithTheOneOffDecision(@ForAll("cidrLists") List<String> cidrs,
                                                    @ForAll("cidrLists") List<String> denied,
                                                    @ForAll("addresses") String ip) {
        EgressPolicy p = PolicyCodec.parseYaml("apiVersion: egret.dev/v1\nkind: EgressPolicy\nmetadata: {name: p}\n"
                + "spec: {egress: [{toCIDR: " + cidrs + "}, {toCIDR: [10.0.0.0/8], toPorts: [{port: 80}]}], "
                + "deny: [{toCIDR: " + denied.subList(0, Math.max(1, denied.size() / 3)) + "}]}\n");
        for (int port : new int[]{80, 443}) {
            Destination d = new Destination(null, Cidr.parseAddress(ip), port, Protocol.TCP);
            assertEquals(PolicyDecider.decide(p, d), PolicyDecider.of(p).decide(d));
        }
    }

    @Provide
    Arbitrary<List<String>> cidrLists() {
        Arbitrary<String> v4 = Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 255), Arbitraries.integers().between(8, 32))
                .as((b, c, d, len) -> "10." + b + "." + c + "." + d + "/" + len);
        Arbitrary<String> v6 = Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(16, 128))
                .as((x, len) -> "'2001:db8::" + x + "/" + len + "'");
        return Arbitraries.oneOf(v4, v4, v4, v6).list().ofMinSize(1).ofMaxSize(30);
    }

    @Provide
    Arbitrary<String> addresses() {
        return Arbitraries.oneOf(
                Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 3),
                        Arbitraries.integers().between(0, 255)).as((b, c, d) -> "10." + b + "." + c + "." + d),
                Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 255))
                        .as((b, d) -> "::ffff:10." + b + ".0." + d),
                Arbitraries.integers().between(0, 3).map(x -> "2001:db8::" + x));
    }

    @Provide
    Arbitrary<List<String>> patternLists() {
        Arbitrary<String> pattern = Combinators.combine(
                Arbitraries.of("", "*.", "**.", "a*.", "*b."), labels().list().ofMinSize(1).ofMaxSize(3))
                .as((prefix, l) -> prefix + String.join(".", l));
        return pattern.list().ofMinSize(1).ofMaxSize(20);
    }

    @Property(tries = 2000)
    void randomPatternsEitherCompileOrFailCleanly(@ForAll String junk) {
        try {
            NamePattern p = NamePattern.compile(junk);
            p.matches("a.example.com");
        } catch (IllegalArgumentException expected) {
            // the only allowed failure
        }
    }

    @Property(tries = 2000)
    void randomDocumentsNeverThrowAnythingButValidation(@ForAll("documents") String doc) {
        try {
            PolicyCodec.parseYaml(doc);
        } catch (PolicyValidationException expected) {
            assertFalse(expected.violations().isEmpty());
        }
        try {
            PolicyCodec.parseJson(doc);
        } catch (PolicyValidationException expected) {
            assertFalse(expected.violations().isEmpty());
        }
    }

    @Provide
    Arbitrary<String> documents() {
        String base = PolicyCodecTest.FULL;
        Arbitrary<String> mutated = Combinators.combine(Arbitraries.integers().between(0, base.length() - 1),
                Arbitraries.integers().between(0, 20), Arbitraries.strings().ofMaxLength(8))
                .as((at, cut, insert) -> base.substring(0, at) + insert + base.substring(Math.min(base.length(), at + cut)));
        return Arbitraries.oneOf(mutated, Arbitraries.strings().ofMaxLength(200));
    }
}
