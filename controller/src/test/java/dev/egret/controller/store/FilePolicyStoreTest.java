package dev.egret.controller.store;

import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FilePolicyStoreTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), ZoneOffset.UTC);

    static EgressPolicy policy(String name, int port) {
        return PolicyCodec.parseJson("""
                {"apiVersion":"egret.dev/v1","kind":"EgressPolicy","metadata":{"name":"%s"},
                 "spec":{"egress":[{"toCIDR":["192.0.2.0/24"],"toPorts":[{"port":%d}]}]}}
                """.formatted(name, port));
    }

    @Test
    void writesSurviveReopening(@TempDir Path dir) {
        FilePolicyStore s = new FilePolicyStore(dir, CLOCK);
        WriteResult a = s.put(policy("a", 1), null, "alice");
        WriteResult b = s.put(policy("b", 2), null, "alice");
        s.put(policy("a", 3), Precondition.version(a.newVersion()), "bob");
        s.delete("b", null, "bob");

        FilePolicyStore reopened = new FilePolicyStore(dir, CLOCK);
        assertEquals(4, reopened.resourceVersion());
        assertEquals(1, reopened.list().size());
        assertEquals("3", reopened.get("a").orElseThrow().metadata().resourceVersion());
        assertEquals(3, reopened.get("a").orElseThrow().spec().egress().get(0).toPorts().get(0).port());
        assertFalse(reopened.get("b").isPresent());
        assertEquals(4, reopened.changes().size());
        assertEquals(b.newVersion(), reopened.changes().get(1).newResourceVersion());
        assertEquals("bob", reopened.changes().get(3).subject());
    }

    /** A torn last line that could not be cut back (a crash, a failed truncate) does not swallow the next entry. */
    @Test
    void anEntryAfterATornLineIsALineOfItsOwn(@TempDir Path dir) throws Exception {
        FilePolicyStore s = new FilePolicyStore(dir, CLOCK);
        s.put(policy("a", 1), null, "alice");
        Files.writeString(dir.resolve(FilePolicyStore.LOG_FILE), "{\"time\":\"2026-11-24T10:00:00Z\",\"subj",
                StandardOpenOption.APPEND);
        s.put(policy("b", 2), null, "bob");
        FilePolicyStore reopened = new FilePolicyStore(dir, CLOCK);
        assertEquals(java.util.List.of("alice", "bob"), reopened.changes().stream().map(ChangeRecord::subject).toList(),
                "the torn line is dropped, bob's entry is not");
    }

    @Test
    void aFailedStateWriteTakesItsChangeBackOutOfTheLog(@TempDir Path dir) throws Exception {
        FilePolicyStore s = new FilePolicyStore(dir, CLOCK);
        s.put(policy("a", 1), null, "alice");
        long logBytes = Files.size(dir.resolve(FilePolicyStore.LOG_FILE));
        Path obstacle = Files.createDirectory(dir.resolve(FilePolicyStore.STATE_FILE + ".tmp"));
        assertThrows(StoreWriteException.class, () -> s.put(policy("a", 2), null, "bob"));
        assertThrows(StoreWriteException.class, () -> s.delete("a", null, "bob"));
        assertEquals(1, s.changes().size(), "no change is logged for the failed writes");
        assertEquals(1, s.resourceVersion());
        assertEquals(logBytes, Files.size(dir.resolve(FilePolicyStore.LOG_FILE)), "the log file is cut back");
        Files.delete(obstacle);

        s.put(policy("b", 3), null, "carol");
        assertEquals(java.util.List.of(1L, 2L), s.changes().stream().map(ChangeRecord::newResourceVersion).toList());
        FilePolicyStore reopened = new FilePolicyStore(dir, CLOCK);
        assertEquals(java.util.List.of(1L, 2L),
                reopened.changes().stream().map(ChangeRecord::newResourceVersion).toList());
        assertEquals(java.util.List.of("alice", "carol"), reopened.changes().stream().map(ChangeRecord::subject).toList());
        assertEquals(1, reopened.get("a").orElseThrow().spec().egress().get(0).toPorts().get(0).port());
    }

    @Test
    void anEntryThatCouldNotBeCutAwayIsDroppedOnOpen(@TempDir Path dir) throws Exception {
        FilePolicyStore s = new FilePolicyStore(dir, CLOCK);
        s.put(policy("a", 1), null, "alice");
        Path log = dir.resolve(FilePolicyStore.LOG_FILE);
        String first = Files.readAllLines(log).get(0);
        // as if a failed write's entry for version 2 stayed in the file and the next write logged 2 again
        String failed = first.replace("\"newResourceVersion\":1", "\"newResourceVersion\":2")
                .replace("\"oldResourceVersion\":0", "\"oldResourceVersion\":1").replace("alice", "mallory");
        Files.writeString(log, failed + "\n", StandardOpenOption.APPEND);
        s.put(policy("b", 2), null, "bob");
        FilePolicyStore reopened = new FilePolicyStore(dir, CLOCK);
        assertEquals(java.util.List.of("alice", "bob"), reopened.changes().stream().map(ChangeRecord::subject).toList());
        assertEquals(2, Files.readAllLines(log).size(), "the log file is rewritten without the stale entry");
    }

    @Test
    void failedPreconditionWritesNothing(@TempDir Path dir) throws Exception {
        FilePolicyStore s = new FilePolicyStore(dir, CLOCK);
        s.put(policy("a", 1), null, "alice");
        byte[] before = Files.readAllBytes(s.stateFile());
        assertThrows(PreconditionFailedException.class, () -> s.put(policy("a", 2), Precondition.version(7), "x"));
        assertThrows(PreconditionFailedException.class, () -> s.put(policy("new", 2), Precondition.mustExist(), "x"));
        assertThrows(PreconditionFailedException.class, () -> s.delete("a", Precondition.version(9), "x"));
        assertEquals(new String(before), new String(Files.readAllBytes(s.stateFile())));
        assertEquals(1, s.changes().size());
        assertEquals(1, s.get("a").orElseThrow().spec().egress().get(0).toPorts().get(0).port());
    }

    @Test
    void crashBetweenLogAndStateDropsTheUnappliedLogEntry(@TempDir Path dir) throws Exception {
        FilePolicyStore s = new FilePolicyStore(dir, CLOCK);
        s.put(policy("a", 1), null, "alice");
        // a crash after the log append but before the state file was replaced
        Files.writeString(dir.resolve(FilePolicyStore.LOG_FILE),
                "{\"time\":\"2026-11-24T10:00:00Z\",\"subject\":\"alice\",\"action\":\"update\",\"name\":\"a\","
                        + "\"oldResourceVersion\":1,\"newResourceVersion\":2}\n{\"time\":\"2026-11-",
                StandardOpenOption.APPEND);
        Files.writeString(dir.resolve(FilePolicyStore.STATE_FILE + ".tmp"), "{\"resourceVersion\":2,\"pol");

        FilePolicyStore reopened = new FilePolicyStore(dir, CLOCK);
        assertEquals(1, reopened.resourceVersion());
        assertEquals(1, reopened.changes().size(), "the unapplied change and the torn line are dropped");
        assertFalse(Files.exists(dir.resolve(FilePolicyStore.STATE_FILE + ".tmp")));
        WriteResult next = reopened.put(policy("a", 5), null, "alice");
        assertEquals(2, next.newVersion());
        assertEquals(2, new FilePolicyStore(dir, CLOCK).changes().size());
    }

    @Test
    void versionsAreMonotonicAcrossPoliciesAndDeletes(@TempDir Path dir) {
        FilePolicyStore s = new FilePolicyStore(dir, CLOCK);
        long last = 0;
        for (int i = 0; i < 20; i++) {
            WriteResult r = i % 3 == 2 ? s.delete("p" + (i - 1), null, "t").orElseThrow()
                    : s.put(policy("p" + i, i + 1), null, "t");
            assertTrue(r.newVersion() > last);
            last = r.newVersion();
        }
        assertEquals(last, s.resourceVersion());
    }
}
