package dev.egret.node.agent;

import dev.egret.node.datapath.CompiledPolicy;
import dev.egret.node.datapath.LpmKeys;
import dev.egret.policy.Cidr;
import dev.egret.policy.Destination;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import dev.egret.policy.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reconcile loop runs every second: it must not re-parse or re-compile what did not change, and must see what did. */
class ReconcileReuseTest {
    private static String yaml(String cidr) {
        return "apiVersion: egret.dev/v1\nkind: EgressPolicy\nmetadata: {name: a}\n"
                + "spec: {workloads: {cgroupPaths: ['x/*']}, egress: [{toCIDR: [" + cidr + "]}]}\n";
    }

    private static void writeAged(Path f, String text, long ageSeconds) throws Exception {
        Files.writeString(f, text);
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().minusSeconds(ageSeconds)));
    }

    @Test
    void anUnchangedFileIsNotParsedAgainButAnEditOfTheSameSizeIs(@TempDir Path dir) throws Exception {
        PolicyDirectory pd = new PolicyDirectory(dir);
        Path f = dir.resolve("a.yaml");
        writeAged(f, yaml("10.0.0.0/8"), 3600);
        EgressPolicy first = pd.read().get("a");
        assertSame(first, pd.read().get("a"), "an unchanged file keeps its parsed policy");
        writeAged(f, yaml("11.0.0.0/8"), 1800); // same size, other content, other time
        assertEquals("11.0.0.0/8", pd.read().get("a").spec().egress().get(0).toCIDR().get(0));
        Files.writeString(f, yaml("12.0.0.0/8")); // just written: read whatever the stamp says
        assertEquals("12.0.0.0/8", pd.read().get("a").spec().egress().get(0).toCIDR().get(0));
    }

    @Test
    void aRewriteThatMeansTheSameKeepsThePolicyAlreadyCompiled(@TempDir Path dir) throws Exception {
        PolicyDirectory pd = new PolicyDirectory(dir);
        Path f = dir.resolve("a.yaml");
        writeAged(f, yaml("10.0.0.0/8"), 3600);
        EgressPolicy first = pd.read().get("a");
        writeAged(f, yaml("10.0.0.0/8").replace("{name: a}", "{name: 'a'}"), 1800); // parsed again: same meaning
        assertSame(first, pd.read().get("a"), "one copy of a policy on the heap, not one per rewrite");
        writeAged(f, yaml("10.0.0.0/9"), 900);
        assertEquals("10.0.0.0/9", pd.read().get("a").spec().egress().get(0).toCIDR().get(0));
    }

    @Test
    void aPolicyMovedToAnotherSlotIsKeyedForItWithTheSameRules() {
        CompiledPolicy inOne = new CompiledPolicies().compile(PolicyCodec.parseYaml(yaml("10.0.0.0/8")), 1);
        CompiledPolicy inFive = inOne.forSlot(5);
        assertEquals(5, inFive.slot());
        assertTrue(inFive.allow4().keySet().stream().allMatch(k -> LpmKeys.slotOf(k.bytes()) == 5), "keys carry slot 5");
        assertTrue(inOne.allow4().keySet().stream().allMatch(k -> LpmKeys.slotOf(k.bytes()) == 1), "and slot 1 still");
        assertEquals(1, inFive.allow4().size());
        assertTrue(inFive.sameRules(inOne));
        assertTrue(!inFive.equals(inOne), "not the same kernel entries: another slot");
        assertEquals(inOne, inFive.forSlot(1));
        assertEquals(inOne.hashCode(), inFive.forSlot(1).hashCode());
    }

    @Test
    void anUnchangedBrokenFileKeepsReportingItsError(@TempDir Path dir) throws Exception {
        PolicyDirectory pd = new PolicyDirectory(dir);
        Path f = dir.resolve("a.yaml");
        writeAged(f, yaml("10.0.0.0/8"), 3600);
        pd.read();
        writeAged(f, yaml("nope"), 1800);
        for (int i = 0; i < 2; i++) {
            assertEquals(Set.of("a"), pd.read().keySet(), "the last good version stays");
            assertTrue(pd.errors().containsKey(f), "pass " + i + ": " + pd.errors());
        }
    }

    @Test
    void aPolicyIsCompiledAgainOnlyWhenItOrItsSlotChanges() {
        CompiledPolicies c = new CompiledPolicies();
        EgressPolicy p = PolicyCodec.parseYaml(yaml("10.0.0.0/8"));
        CompiledPolicy first = c.compile(p, 1);
        assertSame(first, c.compile(p, 1));
        assertSame(first, c.compile(PolicyCodec.parseYaml(yaml("10.0.0.0/8")), 1), "an equal policy re-read from disk");
        CompiledPolicy moved = c.compile(p, 2);
        assertNotSame(first, moved);
        assertEquals(2, moved.slot());
        CompiledPolicy edited = c.compile(PolicyCodec.parseYaml(yaml("10.1.0.0/16")), 2);
        assertNotSame(moved, edited);
        assertEquals("spec.egress[0].toCIDR[0]", c.decider("a").decide(new Destination(null,
                Cidr.parseAddress("10.1.2.3"), 443, Protocol.TCP)).rule(), "the decider of the policy in force");
        c.retain(Set.of());
        assertNull(c.decider("a"));
        assertNotSame(edited, c.compile(PolicyCodec.parseYaml(yaml("10.1.0.0/16")), 2), "forgotten once gone");
    }
}
