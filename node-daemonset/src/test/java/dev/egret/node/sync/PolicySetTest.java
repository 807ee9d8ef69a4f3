package dev.egret.node.sync;

import dev.egret.policy.PolicyValidationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PolicySetTest {
    private static final String LIST = """
            {"apiVersion":"egret.dev/v1","kind":"EgressPolicyList",
             "metadata":{"resourceVersion":"7","changedAt":"2026-11-25T10:00:00.000Z","serverTime":"2026-11-25T10:00:00.040Z"},
             "items":[{"apiVersion":"egret.dev/v1","kind":"EgressPolicy","metadata":{"name":"deploy","resourceVersion":"7"},
                       "spec":{"egress":[{"toCIDR":["10.0.0.0/8"]}]}}]}""";

    @Test
    void syncLagIgnoresTheSkewBetweenControllerAndNodeClocks() {
        // the node's clock is an hour behind the controller's
        Instant received = Instant.parse("2026-11-25T09:00:00.100Z");
        PolicySet set = PolicySet.parse(LIST, received);
        assertEquals(7, set.resourceVersion());
        assertEquals(Optional.of(Duration.ofMillis(40 + 25)), set.lagUntil(received.plusMillis(25)));
    }

    @Test
    void aCachedSetHasNoLagToReport() {
        PolicySet set = PolicySet.parse(LIST, Instant.now());
        PolicySet cached = PolicySet.parse(set.toJson());
        assertEquals(set.byName(), cached.byName());
        assertEquals(Optional.empty(), cached.lagUntil(Instant.now()));
    }

    @Test
    void anInvalidItemIsNamed() {
        PolicyValidationException e = assertThrows(PolicyValidationException.class,
                () -> PolicySet.parse(LIST.replace("10.0.0.0/8", "10.0.0.0/99")));
        assertEquals(true, e.getMessage().contains("items[0]."), e.getMessage());
    }
}
