package dev.egret.node.audit;

import dev.egret.audit.AuditEvent;
import dev.egret.policy.Verdict;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EventFolderTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    static AuditEvent at(int second, Verdict v, int port) {
        Instant t = T0.plusSeconds(second);
        return new AuditEvent("x", t, null, 1, "n1", "egret/w", "p", 7, 100, "curl", AuditEvent.Kind.CONNECT, null,
                null, "10.0.0.1", port, "tcp", v, v == Verdict.ALLOW ? "spec.egress[0].toCIDR[0]" : "default-deny", "r");
    }

    @Test
    void allowedRepeatsFoldIntoOneEventPerWindowAndADeniedEventGoesOutAtOnce() {
        EventFolder f = new EventFolder(Duration.ofSeconds(10), 100);
        assertEquals(List.of(), f.offer(at(0, Verdict.ALLOW, 443), T0));
        assertEquals(List.of(), f.offer(at(1, Verdict.ALLOW, 443), T0.plusSeconds(1)));
        assertEquals(List.of(), f.offer(at(2, Verdict.ALLOW, 80), T0.plusSeconds(2)));
        assertEquals(1, f.offer(at(3, Verdict.DENY, 443), T0.plusSeconds(3)).size());
        assertEquals(1, f.offer(at(3, Verdict.AUDIT_DENY, 443), T0.plusSeconds(3)).size());
        assertEquals(List.of(), f.due(T0.plusSeconds(9)));
        List<AuditEvent> due = f.due(T0.plusSeconds(10));
        assertEquals(1, due.size());
        assertEquals(2, due.get(0).count());
        assertEquals(T0, due.get(0).firstSeen());
        assertEquals(T0.plusSeconds(1), due.get(0).time());
        assertEquals(List.of(80), f.due(T0.plusSeconds(12)).stream().map(AuditEvent::port).toList());
    }

    @Test
    void deniedRepeatsAreStoredAsOneEventCountingThemWhenTheirShortWindowCloses() {
        EventFolder f = new EventFolder(Duration.ofSeconds(10), 100);
        Instant t = T0;
        assertEquals(1, f.offer(at(0, Verdict.DENY, 443), t).size(), "the first denial at once");
        for (int i = 1; i <= 50_000; i++) { // a workload retrying in a loop
            AuditEvent again = new AuditEvent("x", T0.plusNanos(i * 10_000L), null, 1, "n1", "egret/w", "p", 7, 100, "curl",
                    AuditEvent.Kind.CONNECT, null, null, "10.0.0.1", 443, "tcp", Verdict.DENY, "default-deny", "r");
            assertEquals(List.of(), f.offer(again, T0.plusNanos(i * 10_000L)));
        }
        assertEquals(1, f.offer(at(0, Verdict.AUDIT_DENY, 443), t).size(), "another verdict is another event");
        assertEquals(1, f.offer(at(0, Verdict.DENY, 80), t).size(), "another port too");
        List<AuditEvent> due = f.due(T0.plusSeconds(1));
        assertEquals(1, due.size(), "only the key with repeats has more to say: " + due);
        AuditEvent repeats = due.getFirst();
        assertEquals(50_000, repeats.count(), "every attempt counted: 1 + 50000 in all");
        assertEquals(Verdict.DENY, repeats.verdict());
        assertEquals(T0.plusNanos(10_000L), repeats.firstSeen());
        assertEquals(T0.plusNanos(50_000 * 10_000L), repeats.time());
        assertEquals(1, f.offer(at(2, Verdict.DENY, 443), T0.plusSeconds(2)).size(), "a new window reports at once again");
        assertEquals(List.of(), f.drain(), "nothing repeated since");
    }

    @Test
    void aPortScanOfDeniedKeysLeavesAllowedFoldsAloneAndGoesThroughUnfoldedOnceItsBoundIsReached() {
        EventFolder f = new EventFolder(Duration.ofSeconds(10), 100);
        assertEquals(List.of(), f.offer(at(0, Verdict.ALLOW, 443), T0));
        for (int port = 1; port <= 1000; port++) {
            assertEquals(1, f.offer(at(0, Verdict.DENY, port), T0).size(), "each new destination at once");
        }
        assertEquals(List.of(), f.offer(at(1, Verdict.ALLOW, 443), T0.plusSeconds(1)), "the allowed fold still open");
        assertEquals(1, f.offer(at(1, Verdict.DENY, 5000), T0.plusSeconds(1)).size(), "past the bound: through, unfolded");
        assertEquals(1, f.offer(at(1, Verdict.DENY, 5000), T0.plusSeconds(1)).size(), "and again");
        assertEquals(List.of(), f.offer(at(1, Verdict.DENY, 7), T0.plusSeconds(1)), "a folded key still folds");
        List<AuditEvent> due = f.due(T0.plusSeconds(10));
        assertEquals(2, due.size(), due.toString());
        assertEquals(1, due.get(0).count(), "port 7's repeat");
        assertEquals(7, due.get(0).port());
        assertEquals(2, due.get(1).count(), "the allowed fold, whole");
    }

    @Test
    void deniedRepeatsOfAnotherCommandOrQueryTypeAreTheirOwnAndTheirSpanIsTheirs() {
        EventFolder f = new EventFolder(Duration.ofSeconds(10), 100);
        AuditEvent curl = at(0, Verdict.DENY, 443);
        AuditEvent wget = new AuditEvent("x", T0, null, 1, "n1", "egret/w", "p", 7, 101, "wget", AuditEvent.Kind.CONNECT,
                null, null, "10.0.0.1", 443, "tcp", Verdict.DENY, "default-deny", "r");
        assertEquals(1, f.offer(curl, T0).size());
        assertEquals(1, f.offer(wget, T0).size(), "another command: its own event");
        f.offer(at(3, Verdict.DENY, 443), T0.plusSeconds(3));
        f.offer(at(2, Verdict.DENY, 443), T0.plusSeconds(3)); // arrives late
        List<AuditEvent> due = f.due(T0.plusSeconds(1));
        assertEquals(1, due.size());
        assertEquals(2, due.getFirst().count());
        assertEquals("curl", due.getFirst().command());
        assertEquals(T0.plusSeconds(2), due.getFirst().firstSeen(), "the earliest repeat");
        assertEquals(T0.plusSeconds(3), due.getFirst().time(), "the latest");
    }

    @Test
    void aFullFolderFlushesRatherThanGrows() {
        EventFolder f = new EventFolder(Duration.ofSeconds(10), 2);
        f.offer(at(0, Verdict.ALLOW, 1), T0);
        f.offer(at(0, Verdict.ALLOW, 2), T0);
        assertEquals(2, f.offer(at(0, Verdict.ALLOW, 3), T0).size());
        assertEquals(List.of(3), f.drain().stream().map(AuditEvent::port).toList());
    }
}
