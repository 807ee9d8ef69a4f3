package dev.egret.policy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FqdnMatcherTest {

    @Test
    void returnsTheFirstMatchingSelectorInOrder() {
        FqdnMatcher m = FqdnMatcher.of(List.of(
                FqdnSelector.pattern("**.example.com"),
                FqdnSelector.name("api.example.com"),
                FqdnSelector.pattern("*.github.com"),
                FqdnSelector.name("github.com")));
        assertEquals(Optional.of(0), m.firstMatch("api.example.com"));
        assertEquals(Optional.of(0), m.firstMatch("a.b.example.com"));
        assertEquals(Optional.of(2), m.firstMatch("API.github.com."));
        assertEquals(Optional.of(3), m.firstMatch("github.com"));
        assertEquals(Optional.empty(), m.firstMatch("evilgithub.com"));
        assertEquals(Optional.empty(), m.firstMatch("example.com"));
        assertEquals(Optional.empty(), m.firstMatch(""));
    }

    @Test
    void agreesWithTheSimpleMatcherOnManyPatterns() {
        List<FqdnSelector> selectors = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            selectors.add(switch (i % 4) {
                case 0 -> FqdnSelector.name("host" + i + ".corp.example");
                case 1 -> FqdnSelector.pattern("*.svc" + i + ".example");
                case 2 -> FqdnSelector.pattern("**.zone" + i + ".example");
                default -> FqdnSelector.pattern("api-*.team" + i + ".example");
            });
        }
        FqdnMatcher m = FqdnMatcher.of(selectors);
        String[] names = {"host0.corp.example", "x.svc1.example", "a.b.zone2.example", "api-v2.team3.example",
                "host4.corp.example.evil", "svc1.example", "zone2.example", "api.team3.example", "y.svc5.example",
                "x.y.svc5.example", "q.zone498.example", "host496.corp.example"};
        for (String n : names) {
            Optional<Integer> slow = Optional.empty();
            for (int i = 0; i < selectors.size(); i++) {
                if (selectors.get(i).compile().matches(n)) {
                    slow = Optional.of(i);
                    break;
                }
            }
            assertEquals(slow, m.firstMatch(n), n);
        }
    }

    @Test
    void loneStarMatchesEverything() {
        FqdnMatcher m = FqdnMatcher.of(List.of(FqdnSelector.name("a.com"), FqdnSelector.pattern("*")));
        assertEquals(Optional.of(0), m.firstMatch("a.com"));
        assertEquals(Optional.of(1), m.firstMatch("b.org"));
    }
}
