package dev.egret.node.dns;

import dev.egret.node.datapath.KernelContract;
import dev.egret.node.datapath.PolicyCompiler;
import dev.egret.node.datapath.PortRange;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.NamePattern;
import dev.egret.policy.PolicyCodec;
import dev.egret.policy.Rule;
import dev.egret.policy.Verdict;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class NameDeciderTest {
    private static final String POLICY = """
            apiVersion: egret.dev/v1
            kind: EgressPolicy
            metadata: {name: p}
            spec:
              mode: %s
              egress:
                - toFQDNs: [{matchName: api.example.com}, {matchPattern: "*.wild.test"}]
                  toPorts: [{port: 443, protocol: TCP}]
                - toFQDNs: [{matchPattern: "**.deep.test"}, {matchName: API.Example.com.}]
                  toPorts: [{port: 8000, endPort: 8100}]
                - toFQDNs: [{matchPattern: "x*y.z.test"}, {matchName: github.com}]
              deny:
                - toFQDNs: [{matchPattern: "bad*.wild.test"}]
              protects: [github.com, "*.github.net"]
            """;

    private static EgressPolicy policy(String mode) {
        return PolicyCodec.parseYaml(POLICY.formatted(mode));
    }

    private static String show(NameDecision d) {
        return d.verdict().wireName() + " " + d.rule() + " " + d.ports();
    }

    @Test
    void rulesDecideInOrderProtectsDenyEgressDefault() {
        NameDecider d = NameDecider.of(policy("enforce"));
        byte tcp = KernelContract.PROTO_TCP;
        PortRange p443 = new PortRange(443, 443, tcp);
        PortRange p8000 = new PortRange(8000, 8100, KernelContract.PROTO_ANY);
        assertEquals("allow spec.egress[0].toFQDNs[0] " + new TreeSet<>(List.of(p443, p8000)), show(d.decide("API.example.COM.")));
        assertEquals("allow spec.egress[0].toFQDNs[1] [" + p443 + "]", show(d.decide("a.wild.test")));
        assertEquals("deny default-deny []", show(d.decide("a.b.wild.test")), "* stays within one label");
        assertEquals("deny default-deny []", show(d.decide("wild.test")));
        assertEquals("deny spec.deny[0].toFQDNs[0] []", show(d.decide("bad1.wild.test")), "deny wins over allow");
        assertEquals("allow spec.egress[1].toFQDNs[0] [" + p8000 + "]", show(d.decide("a.b.c.deep.test")));
        assertEquals("deny default-deny []", show(d.decide("deep.test")), "**. needs at least one label");
        assertEquals("allow spec.egress[2].toFQDNs[0] [" + PortRange.ALL + "]", show(d.decide("xay.z.test")));
        assertEquals("deny spec.protects[0] []", show(d.decide("github.com")), "protects wins over egress");
        assertEquals("deny spec.protects[1] []", show(d.decide("api.github.net")));
        assertEquals("deny default-deny []", show(d.decide("evilgithub.com")), "label boundaries hold");
        assertEquals("deny default-deny []", show(d.decide("")));
    }

    @Test
    void allowedPortsAreTheUnionOfEveryMatchingRule() {
        NameDecision d = NameDecider.of(policy("enforce")).decide("api.example.com");
        assertEquals(new TreeSet<>(List.of(new PortRange(443, 443, KernelContract.PROTO_TCP),
                new PortRange(8000, 8100, KernelContract.PROTO_ANY))), new TreeSet<>(d.ports()));
    }

    @Test
    void auditModeLetsDeniedNamesThroughOnEveryPortAndSaysSo() {
        NameDecision d = NameDecider.of(policy("audit")).decide("github.com");
        assertEquals(Verdict.AUDIT_DENY, d.verdict());
        assertEquals("spec.protects[0]", d.rule());
        assertEquals(Set.of(PortRange.ALL), d.ports());
        assertEquals(Verdict.AUDIT_DENY, NameDecider.of(policy("audit")).decide("nothing.test").verdict());
    }

    /** The indexed decider agrees with a plain scan of every selector, on a policy with a thousand patterns. */
    @Test
    void aThousandPatternPolicyDecidesLikeALinearScan() {
        Random rnd = new Random(7);
        String[] words = {"api", "www", "cdn", "x", "svc", "a-b", "z9", "deploy"};
        String[] tlds = {"test", "example", "corp"};
        StringBuilder y = new StringBuilder("apiVersion: egret.dev/v1\nkind: EgressPolicy\nmetadata: {name: big}\nspec:\n  egress:\n");
        List<String> names = new ArrayList<>();
        for (int r = 0; r < 100; r++) {
            y.append("    - toPorts: [{port: ").append(1000 + r).append("}]\n      toFQDNs:\n");
            for (int i = 0; i < 10; i++) {
                String base = words[rnd.nextInt(words.length)] + (r * 10 + i) % 37 + "." + tlds[rnd.nextInt(tlds.length)];
                String sel = switch (rnd.nextInt(5)) {
                    case 0 -> "{matchName: " + base + "}";
                    case 1 -> "{matchPattern: \"*." + base + "\"}";
                    case 2 -> "{matchPattern: \"**." + base + "\"}";
                    case 3 -> "{matchPattern: \"" + words[rnd.nextInt(words.length)] + "*." + base + "\"}";
                    default -> "{matchPattern: \"*" + base.substring(1) + "\"}";
                };
                y.append("        - ").append(sel).append('\n');
                names.add(base);
                names.add(words[rnd.nextInt(words.length)] + "." + base);
                names.add("a.b." + base);
            }
        }
        y.append("  deny:\n    - toFQDNs: [{matchPattern: \"**.svc3.test\"}]\n  protects: [\"cdn1*.example\"]\n");
        EgressPolicy p = PolicyCodec.parseYaml(y.toString());
        NameDecider indexed = NameDecider.of(p);
        for (String n : names) {
            assertEquals(linearScan(p, n), show(indexed.decide(n)), n);
        }
    }

    /** What the decider did before it was indexed: every selector of every rule, in order. */
    private static String linearScan(EgressPolicy p, String name) {
        for (int i = 0; i < p.spec().protects().size(); i++) {
            if (NamePattern.compile(p.spec().protects().get(i)).matches(name)) {
                return "deny spec.protects[" + i + "] []";
            }
        }
        String deny = first(p.spec().deny(), "spec.deny", name);
        if (deny != null) {
            return "deny " + deny + " []";
        }
        String allow = null;
        Set<PortRange> ports = new TreeSet<>();
        for (int r = 0; r < p.spec().egress().size(); r++) {
            String m = first(List.of(p.spec().egress().get(r)), "spec.egress", name);
            if (m != null) {
                allow = allow == null ? m.replace("spec.egress[0]", "spec.egress[" + r + "]") : allow;
                ports.addAll(PolicyCompiler.ranges(p.spec().egress().get(r)));
            }
        }
        return allow == null ? "deny default-deny []" : "allow " + allow + " " + ports;
    }

    private static String first(List<Rule> rules, String path, String name) {
        for (int r = 0; r < rules.size(); r++) {
            for (int i = 0; i < rules.get(r).toFQDNs().size(); i++) {
                if (rules.get(r).toFQDNs().get(i).compile().matches(name)) {
                    return path + "[" + r + "].toFQDNs[" + i + "]";
                }
            }
        }
        return null;
    }

    @Test
    void compiledDecidersAreReusedWhileThePolicyIsTheSame() {
        NameDeciders cache = new NameDeciders();
        EgressPolicy p = policy("enforce");
        NameDecider first = cache.forPolicy(p);
        assertSame(first, cache.forPolicy(p));
        assertSame(first, cache.forPolicy(policy("enforce")), "an equal policy read again is not compiled again");
        NameDecider audit = cache.forPolicy(policy("audit"));
        assertNotSame(first, audit);
        assertEquals(Verdict.AUDIT_DENY, audit.decide("nothing.test").verdict());
    }

    @Test
    void literalSuffixesIndexPatterns() {
        assertEquals("github.com", NameDecider.literalSuffix("*.github.com"));
        assertEquals("deep.test", NameDecider.literalSuffix("**.deep.test"));
        assertEquals("c", NameDecider.literalSuffix("a.*.c"));
        assertEquals("", NameDecider.literalSuffix("api*"));
    }
}
