package dev.egret.node.audit;

import dev.egret.audit.AuditEvent;
import dev.egret.policy.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditPipelineTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private static AuditEvent allowed() {
        return new AuditEvent("draft", CLOCK.instant(), null, 1, "n1", "egret/w", "p", 7, 100, "curl",
                AuditEvent.Kind.CONNECT, null, null, "10.0.0.2", 443, "tcp", Verdict.ALLOW, "egress[0]", "allowed");
    }

    @Test
    void deniedEventsGoOutAtOnceAndAllowedRepeatsAreFoldedBeforeTheChannel() {
        List<AuditBatch> channel = new ArrayList<>();
        AuditJournal journal = new AuditJournal(dir, "n1", 1 << 20, 1 << 16);
        try (AuditPipeline p = new AuditPipeline(journal, new EventFolder(Duration.ofMinutes(1), 100), null, CLOCK,
                channel::add)) {
            p.offer(AuditJournalTest.event(22));
            for (int i = 0; i < 5; i++) {
                p.offer(allowed());
            }
            assertEquals(1, channel.size(), "only the denied event travelled: " + channel);
            assertEquals(22, channel.getFirst().events().getFirst().port());
            assertEquals(0, journal.pending(), "nothing journaled before the channel's consumer stores it");
            channel.forEach(p::store);
            assertEquals(1, journal.pending());
        }
        try (AuditJournal reopened = new AuditJournal(dir, "n1", 1 << 20, 1 << 16)) {
            List<AuditEvent> all = reopened.undelivered(10);
            assertEquals(2, all.size(), "closing journals what was still folded: " + all);
            AuditEvent folded = all.get(1);
            assertEquals(Verdict.ALLOW, folded.verdict());
            assertEquals(5, folded.count());
        }
    }

    @Test
    void aFullFolderHandsItsEventsOverAsOneBatch() {
        List<AuditBatch> channel = new ArrayList<>();
        try (AuditPipeline p = new AuditPipeline(new AuditJournal(dir, "n1", 1 << 20, 1 << 16),
                new EventFolder(Duration.ofMinutes(1), 3), null, CLOCK, channel::add)) {
            for (int port = 1; port <= 4; port++) {
                AuditEvent a = allowed();
                p.offer(new AuditEvent(a.id(), a.time(), a.firstSeen(), 1, a.node(), a.workload(), a.policy(), a.cgroupId(),
                        a.pid(), a.command(), a.kind(), null, null, a.address(), port, a.protocol(), a.verdict(), a.rule(),
                        a.reason()));
            }
            assertEquals(1, channel.size(), "one batch, not one message per event");
            assertEquals(List.of(1, 2, 3), channel.getFirst().events().stream().map(AuditEvent::port).toList());
            assertTrue(channel.getFirst().events().stream().allMatch(e -> e.count() == 1));
        }
    }
}
