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
