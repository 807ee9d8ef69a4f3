package dev.egret.controller.store;

import dev.egret.audit.AuditEvent;
import dev.egret.audit.AuditFilter;
import dev.egret.policy.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileAuditStoreTest {
    static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(T0.plusSeconds(3600), ZoneOffset.UTC);
    private static final AuditRetention ROOMY = new AuditRetention(1_000_000, Duration.ofDays(30), 10);

    static AuditEvent event(String id, int second, Verdict v) {
        return new AuditEvent(id, T0.plusSeconds(second), null, 1, "node-a", "w", "p", 1, 2, "curl",
                AuditEvent.Kind.CONNECT, "api.example.com", null, "192.0.2.1", 443, "tcp", v, "default-deny", "r");
    }

    static List<AuditEvent> events(String prefix, int n, int firstSecond) {
        List<AuditEvent> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(event(prefix + i, firstSecond + i, Verdict.ALLOW));
        }
        return out;
    }

    private static List<Path> segments(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("events-")).sorted().toList();
        }
    }

    @Test
    void appendsDeduplicateByIdAndSurviveReopening(@TempDir Path dir) throws Exception {
        FileAuditStore s = new FileAuditStore(dir, ROOMY, CLOCK);
        AuditStore.AppendResult r = s.append(events("a-", 25, 0));
        assertEquals(25, r.accepted());
        assertEquals(0, r.duplicates());
        List<AuditEvent> again = new ArrayList<>(events("a-", 5, 0));
        again.add(event("b-1", 100, Verdict.DENY));
        again.add(event("b-1", 100, Verdict.DENY));
        r = s.append(again);
        assertEquals(1, r.accepted());
        assertEquals(6, r.duplicates(), "re-sent ids and a repeat within the batch are duplicates");
        assertEquals(2, segments(dir).size(), "a batch stays in one segment; a full segment starts the next");
        s.close();

        FileAuditStore reopened = new FileAuditStore(dir, ROOMY, CLOCK);
        assertEquals(26, reopened.size());
        assertEquals(s.all(), reopened.all());
        assertEquals(0, reopened.append(events("a-", 25, 0)).accepted(), "ids are remembered across restarts");
        assertEquals(1, reopened.append(List.of(event("c-1", 200, Verdict.ALLOW))).accepted());
        reopened.close();
    }

    @Test
    void aTornTailIsCutAwayAndAppendsContinue(@TempDir Path dir) throws Exception {
        FileAuditStore s = new FileAuditStore(dir, ROOMY, CLOCK);
        s.append(events("a-", 3, 0));
        s.close();
        Path last = segments(dir).getLast();
        Files.writeString(last, "{\"id\":\"torn\",\"time\":\"2026-11-", StandardOpenOption.APPEND);

        FileAuditStore reopened = new FileAuditStore(dir, ROOMY, CLOCK);
        assertEquals(3, reopened.size());
        assertTrue(Files.readString(last).endsWith("\n"), "the torn bytes are truncated");
        reopened.append(List.of(event("after", 10, Verdict.ALLOW)));
        reopened.close();
        FileAuditStore third = new FileAuditStore(dir, ROOMY, CLOCK);
        assertEquals(4, third.size(), "the append after the cut is readable");
        third.close();
    }

    @Test
    void unreadableLinesAreSkippedNotFatal(@TempDir Path dir) throws Exception {
        FileAuditStore s = new FileAuditStore(dir, ROOMY, CLOCK);
        s.append(events("a-", 2, 0));
        s.close();
        Path last = segments(dir).getLast();
        Files.writeString(last, "not json\n", StandardOpenOption.APPEND);
        FileAuditStore reopened = new FileAuditStore(dir, ROOMY, CLOCK);
        assertEquals(2, reopened.size());
        reopened.append(List.of(event("x", 5, Verdict.ALLOW)));
        reopened.close();
        assertEquals(3, new FileAuditStore(dir, ROOMY, CLOCK).size());
    }

    @Test
    void retentionDropsWholeOldSegmentsAndCountsThem(@TempDir Path dir) throws Exception {
        FileAuditStore s = new FileAuditStore(dir, new AuditRetention(20, Duration.ofDays(30), 10), CLOCK);
        for (int i = 0; i < 5; i++) {
            s.append(events("b" + i + "-", 10, i * 10));
        }
        assertEquals(20, s.size(), "the oldest segments go while the rest still hold 20");
        assertEquals(30, s.prunedTotal());
        assertEquals(2, segments(dir).size());
        assertEquals("b3-0", s.all().getFirst().id());
        assertEquals(1, s.append(List.of(event("b0-0", 99, Verdict.ALLOW))).accepted(),
                "a pruned id is forgotten");
        s.close();
    }

    @Test
    void retentionByAgeIncludingTheLastSegment(@TempDir Path dir) throws Exception {
        FileAuditStore s = new FileAuditStore(dir, new AuditRetention(1000, Duration.ofMinutes(30), 10), CLOCK);
        s.append(events("old-", 15, 0));          // T0 .. T0+14s: older than now-30min
        s.append(events("new-", 3, 3000));         // T0+50min
        s.prune(CLOCK.instant());
        assertEquals(List.of("new-0", "new-1", "new-2"), s.all().stream().map(AuditEvent::id).toList());
        s.prune(CLOCK.instant().plus(Duration.ofHours(2)));
        assertEquals(0, s.size());
        assertEquals(18, s.prunedTotal());
        s.append(events("later-", 1, 9000));
        assertEquals(1, s.size(), "a store emptied by age takes appends again");
        s.close();
    }

    @Test
    void anUnexpiredSegmentDoesNotKeepTheExpiredOnesAfterIt(@TempDir Path dir) throws Exception {
        FileAuditStore s = new FileAuditStore(dir, new AuditRetention(1000, Duration.ofMinutes(30), 10), CLOCK);
        s.append(events("recent-", 10, 3000));   // T0+50min: not expired
        s.append(events("late-", 10, 0));        // T0, delivered late: older than now-30min
        s.append(events("new-", 3, 3100));       // the segment appended to
        s.prune(CLOCK.instant());
        List<String> expected = Stream.concat(events("recent-", 10, 0).stream(), events("new-", 3, 0).stream())
                .map(AuditEvent::id).toList();
        assertEquals(expected, s.all().stream().map(AuditEvent::id).toList());
        assertEquals(10, s.prunedTotal());
        assertEquals(2, segments(dir).size());
        s.close();

        FileAuditStore reopened = new FileAuditStore(dir, new AuditRetention(1000, Duration.ofMinutes(30), 10), CLOCK);
        assertEquals(expected, reopened.all().stream().map(AuditEvent::id).toList());
        reopened.append(events("after-", 1, 3200));
        assertEquals(14, reopened.size());
        reopened.close();
    }

    @Test
    void queryIsNewestFirstWithStableCursorsAndFilters(@TempDir Path dir) {
        FileAuditStore s = new FileAuditStore(dir, ROOMY, CLOCK);
        s.append(events("q-", 30, 0));
        s.append(List.of(event("late", 5, Verdict.DENY))); // arrives last, happened early
        List<String> seen = new ArrayList<>();
        AuditCursor after = null;
        do {
            AuditStore.Page p = s.query(AuditFilter.ALL, after, 0, 7);
            p.items().forEach(e -> seen.add(e.id()));
            after = p.next();
            if (after != null) {
                s.append(List.of(event("new-" + seen.size(), 1000 + seen.size(), Verdict.ALLOW))); // newer: not in this walk
                after = AuditCursor.parse(after.token());
            }
        } while (after != null);
        assertEquals(31, seen.size(), seen.toString());
        assertEquals("q-29", seen.getFirst());
        assertEquals("q-0", seen.getLast());
        assertEquals(seen.indexOf("late") + 1, seen.indexOf("q-5"), "same second: the later arrival first");

        AuditStore.Page denied = s.query(new AuditFilter(null, null, null, Verdict.DENY, null, null, null, null),
                null, 0, 10);
        assertEquals(List.of("late"), denied.items().stream().map(AuditEvent::id).toList());
        assertNull(denied.next());
        AuditStore.Page page3 = s.query(AuditFilter.ALL, null, 20, 10);
        assertEquals(10, page3.items().size());
    }

    @Test
    void listenersSeeAppendsAndPrunes(@TempDir Path dir) {
        FileAuditStore s = new FileAuditStore(dir, new AuditRetention(10, Duration.ofDays(1), 10), CLOCK);
        s.append(events("x-", 10, 0));
        List<Integer> sizes = new ArrayList<>();
        s.subscribe(new AuditStore.Listener() {
            @Override
            public void appended(List<AuditEvent> events) {
                sizes.add(events.size());
            }

            @Override
            public void replaced(List<AuditEvent> all) {
                sizes.add(-all.size());
            }
        });
        s.append(events("y-", 10, 100));
        assertEquals(List.of(-10, 10, -10), sizes, "initial snapshot, the append, then the prune");
    }
}
