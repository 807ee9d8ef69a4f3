package dev.egret.node.audit;

import dev.egret.audit.AuditEvent;
import dev.egret.policy.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditJournalTest {
    @TempDir
    Path dir;

    static AuditEvent event(int port) {
        return new AuditEvent("draft", Instant.parse("2026-11-25T10:00:00Z"), null, 1, "n1", "egret/w", "p", 7, 100,
                "curl", AuditEvent.Kind.CONNECT, null, null, "10.0.0.1", port, "tcp", Verdict.DENY, "default-deny",
                "no egress rule allows 10.0.0.1:" + port + "/TCP");
    }

    @Test
    void deliversInOrderAndResumesAfterReopen() {
        try (AuditJournal j = new AuditJournal(dir, "n1", 1 << 20, 1 << 16)) {
            for (int i = 1; i <= 10; i++) {
                j.append(event(i));
            }
            List<AuditEvent> first = j.undelivered(4);
            assertEquals(List.of(1, 2, 3, 4), first.stream().map(AuditEvent::port).toList());
            j.delivered(first.get(3).id());
            assertEquals(6, j.pending());
        }
        try (AuditJournal j = new AuditJournal(dir, "n1", 1 << 20, 1 << 16)) {
            assertEquals(6, j.pending(), "delivery resumes where it stopped");
            assertEquals(List.of(5, 6, 7, 8, 9, 10), j.undelivered(100).stream().map(AuditEvent::port).toList());
            AuditEvent next = j.append(event(11));
            assertTrue(next.id().startsWith("n1-") && next.id().endsWith("-10"), next.id());
        }
    }

    @Test
    void aBatchLargerThanTheWriteBufferIsStoredWholeAndInOrder() {
        String longReason = "x".repeat(100_000); // one line longer than the write buffer
        AuditEvent big = new AuditEvent("draft", Instant.parse("2026-11-25T10:00:00Z"), null, 1, "n1", "egret/w", "p",
                7, 100, "curl", AuditEvent.Kind.CONNECT, null, null, "10.0.0.1", 1, "tcp", Verdict.DENY,
                "default-deny", longReason);
        List<AuditEvent> batch = new java.util.ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            batch.add(i == 1500 ? big : event(i));
        }
        try (AuditJournal j = new AuditJournal(dir, "n1", 64 << 20, 16 << 20)) {
            assertEquals(3000, j.appendAll(batch).size());
        }
        try (AuditJournal j = new AuditJournal(dir, "n1", 64 << 20, 16 << 20)) {
            List<AuditEvent> back = j.undelivered(5000);
            assertEquals(3000, back.size(), "every line came back after a reopen");
            assertEquals(longReason, back.get(1500).reason());
            for (int i = 0; i < 3000; i++) {
                assertTrue(back.get(i).id().endsWith("-" + i), back.get(i).id());
                if (i != 1500) {
                    assertEquals(i, back.get(i).port());
                }
            }
        }
    }

    @Test
    void idsAreUniqueAcrossAWipedStateDirectory() {
        String a;
        try (AuditJournal j = new AuditJournal(dir.resolve("x"), "n1", 1 << 20, 1 << 16)) {
            a = j.append(event(1)).id();
        }
        try (AuditJournal j = new AuditJournal(dir.resolve("y"), "n1", 1 << 20, 1 << 16)) {
            assertNotEquals(a, j.append(event(1)).id());
        }
    }

    @Test
    void theBoundDropsTheOldestAndCountsWhatWasUndelivered() {
        try (AuditJournal j = new AuditJournal(dir, "n1", 8 * 1024, 2 * 1024)) {
            for (int i = 0; i < 500; i++) {
                j.append(event(i % 65536));
            }
            assertTrue(j.bytes() <= 8 * 1024 + 2 * 1024, "bounded: " + j.bytes());
            assertTrue(j.dropped() > 0);
            assertEquals(500, j.pending() + j.dropped(), "every event is either pending or counted as dropped");
            List<AuditEvent> left = j.undelivered(1000);
            assertEquals(j.pending(), left.size());
            assertEquals(499, left.get(left.size() - 1).port(), "the newest survive");
            Set<String> ids = new HashSet<>();
            left.forEach(e -> ids.add(e.id()));
            assertEquals(left.size(), ids.size());
        }
    }

    @Test
    void aTornLastLineFromACrashIsCutOff() throws IOException {
        try (AuditJournal j = new AuditJournal(dir, "n1", 1 << 20, 1 << 16)) {
            j.append(event(1));
            j.append(event(2));
        }
        Path seg;
        try (var s = Files.list(dir)) {
            seg = s.filter(p -> p.getFileName().toString().startsWith("seg-")).findFirst().orElseThrow();
        }
        Files.writeString(seg, "{\"id\":\"n1-x-2\",\"ti", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        try (AuditJournal j = new AuditJournal(dir, "n1", 1 << 20, 1 << 16)) {
            assertEquals(2, j.pending());
            j.append(event(3));
            assertEquals(List.of(1, 2, 3), j.undelivered(10).stream().map(AuditEvent::port).toList());
        }
    }

    @Test
    void deliveryAcrossSegmentsDeletesDeliveredSegments() throws IOException {
        try (AuditJournal j = new AuditJournal(dir, "n1", 1 << 20, 1024)) {
            for (int i = 0; i < 50; i++) {
                j.append(event(i));
            }
            long segmentsBefore = segments();
            List<AuditEvent> all = j.undelivered(1000);
            assertEquals(50, all.size());
            j.delivered(all.get(49).id());
            assertEquals(0, j.pending());
            assertTrue(segments() < segmentsBefore, "delivered segments are removed");
            assertEquals(List.of(), j.undelivered(10));
        }
    }

    private long segments() throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("seg-")).count();
        }
    }
}
