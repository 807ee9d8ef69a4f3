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
    void aFullFolderFlushesRatherThanGrows() {
        EventFolder f = new EventFolder(Duration.ofSeconds(10), 2);
        f.offer(at(0, Verdict.ALLOW, 1), T0);
        f.offer(at(0, Verdict.ALLOW, 2), T0);
        assertEquals(2, f.offer(at(0, Verdict.ALLOW, 3), T0).size());
        assertEquals(List.of(3), f.drain().stream().map(AuditEvent::port).toList());
    }
}
