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
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditPipelineTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;
    private final AtomicInteger lost = new AtomicInteger();

    private static AuditEvent allowed() {
        return new AuditEvent("draft", CLOCK.instant(), null, 1, "n1", "egret/w", "p", 7, 100, "curl",
                AuditEvent.Kind.CONNECT, null, null, "10.0.0.2", 443, "tcp", Verdict.ALLOW, "egress[0]", "allowed");
    }

    @Test
    void whatArrivesAfterCloseIsCountedLostNotFoldedAway() {
        List<AuditBatch> channel = new ArrayList<>();
        AuditJournal journal = new AuditJournal(dir, "n1", 1 << 20, 1 << 16);
        AuditPipeline p = new AuditPipeline(journal, new EventFolder(Duration.ofMinutes(1), 100), null, CLOCK,
                channel::add, lost::addAndGet, 1000);
        p.offer(AuditJournalTest.event(22));
        channel.forEach(p::store);
        p.close();
        p.offer(AuditJournalTest.event(22)); // a repeat of a denied event: would only be folded
        p.offer(allowed());
        assertEquals(2, lost.get());
    }

    @Test
    void deniedEventsGoOutAtOnceAndAllowedRepeatsAreFoldedBeforeTheChannel() {
        List<AuditBatch> channel = new ArrayList<>();
        AuditJournal journal = new AuditJournal(dir, "n1", 1 << 20, 1 << 16);
        try (AuditPipeline p = new AuditPipeline(journal, new EventFolder(Duration.ofMinutes(1), 100), null, CLOCK,
                channel::add, lost::addAndGet, 1000)) {
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
        assertEquals(0, lost.get());
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
                new EventFolder(Duration.ofMinutes(1), 3), null, CLOCK, b -> {
                    channel.add(b);
                }, lost::addAndGet, 1000)) {
            for (int port = 1; port <= 4; port++) {
                AuditEvent a = allowed();
                p.offer(new AuditEvent(a.id(), a.time(), a.firstSeen(), 1, a.node(), a.workload(), a.policy(), a.cgroupId(),
                        a.pid(), a.command(), a.kind(), null, null, a.address(), port, a.protocol(), a.verdict(), a.rule(),
                        a.reason()));
            }
            assertEquals(1, channel.size(), "one batch, not one message per event");
            assertEquals(List.of(1, 2, 3), channel.getFirst().events().stream().map(AuditEvent::port).toList());
            assertTrue(channel.getFirst().events().stream().allMatch(e -> e.count() == 1));
            channel.forEach(p::store);
        }
    }

    @Test
    void beyondTheInFlightBoundEventsAreCountedLostNotHeld() {
        List<AuditBatch> channel = new ArrayList<>();
        try (AuditPipeline p = new AuditPipeline(new AuditJournal(dir, "n1", 1 << 20, 1 << 16),
                new EventFolder(Duration.ofMinutes(1), 100), null, CLOCK, channel::add, lost::addAndGet, 2)) {
            p.offer(AuditJournalTest.event(1));
            p.offer(AuditJournalTest.event(2));
            p.offer(AuditJournalTest.event(3));
            assertEquals(2, channel.size());
            assertEquals(1, lost.get(), "the third did not fit while two were in flight");
            p.store(channel.getFirst());
            p.offer(AuditJournalTest.event(4));
            assertEquals(3, channel.size(), "room again once one was journaled");
            channel.subList(1, 3).forEach(p::store);
        }
    }

    @Test
    void aRefusingChannelCountsItsBatchAsLost() {
        try (AuditPipeline p = new AuditPipeline(new AuditJournal(dir, "n1", 1 << 20, 1 << 16),
                new EventFolder(Duration.ofMinutes(1), 100), null, CLOCK, b -> {
                    throw new IllegalStateException("buffer full");
                }, lost::addAndGet, 100)) {
            p.offer(AuditJournalTest.event(1));
            assertEquals(1, lost.get());
        }
    }

    @Test
    void closeWaitsForBatchesStillInTheChannelAndJournalsThem() throws Exception {
        AuditJournal journal = new AuditJournal(dir, "n1", 1 << 20, 1 << 16);
        var later = Executors.newSingleThreadScheduledExecutor();
        AuditPipeline[] self = new AuditPipeline[1];
        AuditPipeline p = new AuditPipeline(journal, new EventFolder(Duration.ofMinutes(1), 100), null, CLOCK,
                b -> later.schedule(() -> self[0].store(b), 300, TimeUnit.MILLISECONDS), lost::addAndGet, 100);
        self[0] = p;
        p.offer(AuditJournalTest.event(7));
        p.offer(allowed());
        p.close();
        later.shutdown();
        try (AuditJournal reopened = new AuditJournal(dir, "n1", 1 << 20, 1 << 16)) {
            assertEquals(List.of(7, 443), reopened.undelivered(10).stream().map(AuditEvent::port).toList(),
                    "the denied event in the channel and the folded one are both journaled");
        }
        assertEquals(0, lost.get());
    }
}
