package dev.egret.node.agent;

import dev.egret.node.datapath.WorkloadEntry;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentModelTest {

    static EgressPolicy policy(String name, String mode) {
        return PolicyCodec.parseYaml("apiVersion: egret.dev/v1\nkind: EgressPolicy\nmetadata: {name: " + name + "}\n"
                + "spec: {mode: " + mode + ", workloads: {cgroupPaths: ['system.slice/*']}, egress: [{toCIDR: [10.0.0.0/8]}]}\n");
    }

    @Test
    void cgroupGlobsKeepToPathSegments() {
        CgroupGlob g = CgroupGlob.compile("system.slice/deploy-*.service");
        assertTrue(g.matches("system.slice/deploy-web.service"));
        assertFalse(g.matches("system.slice/deploy-web.service/child"));
        assertFalse(g.matches("system.slice/x/deploy-web.service"));
        assertFalse(g.matches("user.slice/deploy-web.service"));
        assertEquals(2, g.maxDepth());
        CgroupGlob any = CgroupGlob.compile("kubepods/**");
        assertTrue(any.matches("kubepods/burstable/pod1/abc"));
        assertFalse(any.matches("kubepods"));
        assertEquals(-1, any.maxDepth());
        assertTrue(CgroupGlob.compile("a/**/leaf").matches("a/x/y/leaf"));
        assertTrue(CgroupGlob.compile("a/**/leaf").matches("a/leaf"));
        assertFalse(CgroupGlob.compile("a.b").matches("axb"), "dots are literal");
    }

    @Test
    void theDirectoriesWatchedForNewCgroupsAreWhereAGlobsMatchesCanAppear(@TempDir Path root) throws Exception {
        assertEquals("system.slice", CgroupGlob.compile("system.slice/deploy-*.service").literalParent());
        assertEquals("a", CgroupGlob.compile("a/b").literalParent());
        assertEquals("kubepods", CgroupGlob.compile("kubepods/**").literalParent());
        assertEquals("", CgroupGlob.compile("deploy-*").literalParent());
        assertEquals("jobs", CgroupGlob.compile("jobs/*/run").literalParent());

        for (String d : List.of("system.slice/x.service/inner", "jobs/a/run/deeper", "jobs/b", "kubepods/burstable/pod1/c1")) {
            Files.createDirectories(root.resolve(d));
        }
        CgroupScanner scanner = new CgroupScanner(root);
        assertEquals(Set.of(root.resolve("system.slice")),
                scanner.parents(List.of(CgroupGlob.compile("system.slice/deploy-*.service")), 100), "only the parent");
        assertEquals(Set.of(root.resolve("jobs"), root.resolve("jobs/a"), root.resolve("jobs/b")),
                scanner.parents(List.of(CgroupGlob.compile("jobs/*/run")), 100), "down to the level above a match");
        assertEquals(Set.of(root.resolve("kubepods"), root.resolve("kubepods/burstable"), root.resolve("kubepods/burstable/pod1"),
                root.resolve("kubepods/burstable/pod1/c1")), scanner.parents(List.of(CgroupGlob.compile("kubepods/**")), 100));
        assertEquals(2, scanner.parents(List.of(CgroupGlob.compile("kubepods/**")), 2).size(), "bounded");
        assertEquals(Set.of(root), scanner.parents(List.of(CgroupGlob.compile("ci.slice/job-*")), 100),
                "a parent not made yet: its nearest existing ancestor");
    }

    @Test
    void desiredStateBindsEachCgroupToOnePolicy() {
        Map<String, EgressPolicy> policies = new TreeMap<>(Map.of("a", policy("a", "enforce"), "b", policy("b", "audit")));
        DesiredState d = DesiredState.compute(policies, Map.of("a", 1, "b", 2),
                Map.of("a", Map.of("system.slice/x", 100L), "b", Map.of("system.slice/x", 100L, "system.slice/y", 101L)));
        assertEquals(Set.of(1, 2), d.policies().keySet());
        assertEquals(1, d.bindings().get(100L).slot(), "the first policy by name wins a shared cgroup");
        assertEquals(2, d.bindings().get(101L).slot());
        assertTrue(d.bindings().get(101L).audit());
        assertFalse(d.bindings().get(100L).audit());
        assertEquals("system.slice/y", d.workloads().get(101L));
        assertEquals(1, d.problems().size(), d.problems().toString());
    }

    @Test
    void aPolicyThatCannotBeCompiledKeepsItsWorkloadsBoundAndAllowsNothing() {
        StringBuilder ports = new StringBuilder();
        for (int i = 0; i < 17; i++) { // valid, but more port ranges on one prefix than a kernel rule holds
            ports.append(i == 0 ? "" : ", ").append("{port: ").append(1000 + 10 * i).append("}");
        }
        EgressPolicy tooMany = PolicyCodec.parseYaml("apiVersion: egret.dev/v1\nkind: EgressPolicy\nmetadata: {name: a}\n"
                + "spec: {workloads: {cgroupPaths: ['system.slice/*']}, egress: [{toCIDR: [10.0.0.0/8], toPorts: [" + ports
                + "]}, {toFQDNs: [{matchName: example.com}]}]}\n");
        Map<String, EgressPolicy> policies = new TreeMap<>(Map.of("a", tooMany, "b", policy("b", "enforce")));
        DesiredState d = DesiredState.compute(policies, Map.of("a", 1, "b", 2),
                Map.of("a", Map.of("system.slice/x", 100L), "b", Map.of("system.slice/y", 101L)));
        assertEquals(1, d.problems().size(), d.problems().toString());
        assertTrue(d.problems().getFirst().contains("policy a cannot be compiled") && d.problems().getFirst().contains("reach nothing"),
                d.problems().getFirst());
        assertEquals("a", d.policyOf(100L), "still bound: an unbound cgroup is not policed at all");
        assertFalse(d.bindings().get(100L).audit());
        assertEquals(0, d.policies().get(1).entryCount(), "no rule allows anything");
        assertTrue(d.effective().get("a").spec().egress().isEmpty(), "nor does any name through the DNS proxy");
        assertEquals("system.slice/*", d.effective().get("a").spec().workloads().cgroupPaths().getFirst());
        assertTrue(d.policies().get(2).entryCount() > 0, "the other policy applies as written");
        assertEquals(policies.get("b"), d.effective().get("b"));
    }

    @Test
    void beforeThePodListIsCompleteNoBindingWhosePolicyExistsIsDropped() {
        Map<String, EgressPolicy> policies = new TreeMap<>(Map.of("a", policy("a", "enforce"), "b", policy("b", "audit")));
        DesiredState listedSoFar = DesiredState.compute(policies, Map.of("a", 1, "b", 2),
                Map.of("a", Map.of("system.slice/x", 100L)));
        Map<Long, WorkloadEntry> kernel = Map.of( // physical slots 2s and 2s+1 hold logical slot s
                100L, new WorkloadEntry(2, false, false, true),
                101L, new WorkloadEntry(3, false, false, true),   // a pod of policy a, not listed yet
                102L, new WorkloadEntry(4, true, false, true),    // a pod of policy b
                103L, new WorkloadEntry(6, false, false, true));  // bound to a slot no policy has any more
        DesiredState kept = listedSoFar.keeping(kernel, Map.of(101L, "default/web"));
        assertEquals("a", kept.policyOf(100L));
        assertEquals("a", kept.policyOf(101L), "an unlisted pod keeps its policy");
        assertEquals("b", kept.policyOf(102L));
        assertTrue(kept.bindings().get(102L).audit());
        assertNull(kept.policyOf(103L), "its policy is gone: unbound");
        assertEquals("default/web", kept.workloads().get(101L));
        assertEquals("cgroup-102", kept.workloads().get(102L));
        assertEquals(Set.of(), kept.movedSince(listedSoFar.keeping(kernel, Map.of())), "nothing moves while kept");
        assertNull(listedSoFar.policyOf(101L), "the state itself is unchanged");
    }

    @Test
    void workloadsThatChangePolicyOrLoseItAreTheOnesWhoseLearnedAddressesGo() {
        Map<String, EgressPolicy> policies = new TreeMap<>(Map.of("a", policy("a", "enforce"), "b", policy("b", "enforce")));
        DesiredState before = DesiredState.compute(policies, Map.of("a", 1, "b", 2), Map.of(
                "a", Map.of("stays", 100L, "moves", 101L, "leaves", 102L), "b", Map.of("other", 103L)));
        Map<String, EgressPolicy> edited = new TreeMap<>(Map.of("a", policy("a", "audit"), "b", policy("b", "enforce")));
        DesiredState after = DesiredState.compute(edited, Map.of("a", 1, "b", 2), Map.of(
                "a", Map.of("stays", 100L, "new", 104L), "b", Map.of("other", 103L, "moves", 101L)));
        assertEquals("a", after.policyOf(100L));
        assertEquals("b", after.policyOf(101L));
        assertNull(after.policyOf(102L), "unbound");
        assertEquals(Set.of(101L, 102L), after.movedSince(before),
                "moved to b and unbound; an edit of the same policy, a new cgroup and an unchanged one are not moves");
        assertEquals(Set.of(), after.movedSince(null), "the first state moves nothing");

        // a change that failed halfway: the kernel (physical slots 2s, 2s+1) moved 101 already, not 102
        Map<Long, WorkloadEntry> kernel = Map.of(100L, new WorkloadEntry(3, false, false, false), 101L, new WorkloadEntry(4, false, false, false),
                102L, new WorkloadEntry(2, false, false, false));
        assertEquals(Set.of(102L), before.boundAsIn(kernel, Set.of(101L, 102L)),
                "102 is still bound to a in the kernel: the proxy's view of it holds");
        assertEquals(Set.of(), after.movedSince(after));
    }

    @Test
    void aDeletedPolicysSlotIsNotGivenToANewOneWhileTheKernelStillBindsIt(@TempDir Path dir) {
        SlotTable t = new SlotTable(dir.resolve("slots.json"));
        assertEquals(Map.of("x", 1), t.assign(List.of("x"), Set.of()));
        // restarted, pods not listed yet: x was deleted, y is new, and the kernel still binds a pod of x (logical 1)
        Map<Long, WorkloadEntry> kernel = Map.of(101L, new WorkloadEntry(2, false, false, true));
        assertEquals(Set.of(1), DesiredState.boundSlots(physicalSlots(kernel)));
        Map<String, Integer> assigned = new SlotTable(dir.resolve("slots.json")).assign(List.of("y"), DesiredState.boundSlots(physicalSlots(kernel)));
        assertEquals(2, assigned.get("y"), "not x's slot, which the kernel still binds");
        DesiredState kept = DesiredState.compute(new TreeMap<>(Map.of("y", policy("y", "audit"))), assigned, Map.of())
                .keeping(kernel, Map.of(101L, "default/web"));
        assertNull(kept.policyOf(101L), "the pod of the deleted policy is unbound, never moved to the new one");
        // once the kernel no longer binds it, the slot is free again
        assertEquals(1, new SlotTable(dir.resolve("slots.json")).assign(List.of("y", "z"), Set.of()).get("z"));
    }

    @Test
    void slotsAreStableAcrossRestartsAndNeverShared(@TempDir Path dir) {
        SlotTable t = new SlotTable(dir.resolve("slots.json"));
        Map<String, Integer> first = t.assign(List.of("a", "b"), Set.of());
        Map<String, Integer> again = new SlotTable(dir.resolve("slots.json")).assign(List.of("b", "a", "c"), Set.of());
        assertEquals(first.get("a"), again.get("a"));
        assertEquals(first.get("b"), again.get("b"));
        assertNotEquals(again.get("a"), again.get("c"));
        assertNotEquals(again.get("b"), again.get("c"));
    }

    @Test
    void aBrokenPolicyFileKeepsItsLastGoodVersion(@TempDir Path dir) throws Exception {
        PolicyDirectory pd = new PolicyDirectory(dir);
        Files.writeString(dir.resolve("a.yaml"), PolicyCodec.toYaml(policy("a", "enforce")));
        Files.writeString(dir.resolve("notes.txt"), "ignored");
        assertEquals(Set.of("a"), pd.read().keySet());
        Files.writeString(dir.resolve("a.yaml"), "apiVersion: egret.dev/v1\nkind: EgressPolicy\nmetadata: {name: a}\nspec: {mode: bogus}\n");
        Map<String, EgressPolicy> now = pd.read();
        assertEquals(dev.egret.policy.Mode.ENFORCE, now.get("a").spec().mode());
        assertTrue(pd.errors().get(dir.resolve("a.yaml")).contains("spec.mode"), pd.errors().toString());
        Files.delete(dir.resolve("a.yaml"));
        assertTrue(pd.read().isEmpty(), "a deleted file's policy is gone");
    }

    private static Set<Integer> physicalSlots(Map<Long, WorkloadEntry> kernel) {
        Set<Integer> out = new java.util.TreeSet<>();
        kernel.values().forEach(e -> out.add(e.slot()));
        return out;
    }
}
