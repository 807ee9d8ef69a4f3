package dev.egret.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.policy.NamePattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The CRD's patterns for names, name patterns and cgroup globs accept exactly the strings the policy language
 * accepts (up to the per-label length the patterns leave to the agent), on random strings of the characters that
 * matter.
 */
class CrdPatternPropertiesTest {
    private static final JsonNode RULE = EgressPolicyCrdTest.SCHEMA.at("/properties/spec/properties/egress/items");
    private static final Pattern MATCH_NAME =
            Pattern.compile(RULE.at("/properties/toFQDNs/items/properties/matchName/pattern").asText());
    private static final Pattern MATCH_PATTERN =
            Pattern.compile(RULE.at("/properties/toFQDNs/items/properties/matchPattern/pattern").asText());

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.strings().withChars('a', 'Z', '0', '-', '_', '*', '.').ofMinLength(0).ofMaxLength(12);
    }

    @Provide
    Arbitrary<String> paths() {
        return Arbitraries.strings().withChars('a', '.', '/', '*', '-').ofMinLength(0).ofMaxLength(10);
    }

    @Property(tries = 3000)
    void matchPatternAgreesWithTheLanguage(@ForAll("names") String s) {
        boolean language = accepts(() -> NamePattern.compile(s));
        Statistics.label("accepted").collect(language);
        assertEquals(language, MATCH_PATTERN.matcher(s).find(), "matchPattern '" + s + "'");
    }

    @Property(tries = 3000)
    void matchNameAgreesWithTheLanguage(@ForAll("names") String s) {
        boolean language = accepts(() -> NamePattern.exact(s));
        Statistics.label("accepted").collect(language);
        assertEquals(language, MATCH_NAME.matcher(s).find(), "matchName '" + s + "'");
    }

    @Property(tries = 1000)
    void cgroupPathsAgreeWithTheLanguage(@ForAll("paths") String s) {
        JsonNode policy = PolicyCorpus.full();
        ((ObjectNode) policy.at("/spec/workloads")).set("cgroupPaths", Yamls.JSON.createArrayNode().add(s));
        Statistics.label("accepted").collect(EgressPolicyCrdTest.codecErrors(policy).isEmpty());
        assertEquals(EgressPolicyCrdTest.codecErrors(policy).isEmpty(), EgressPolicyCrdTest.crdErrors(policy).isEmpty(),
                "cgroupPaths '" + s + "': codec " + EgressPolicyCrdTest.codecErrors(policy)
                        + ", crd " + EgressPolicyCrdTest.crdErrors(policy));
    }

    private static boolean accepts(Runnable r) {
        try {
            r.run();
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
