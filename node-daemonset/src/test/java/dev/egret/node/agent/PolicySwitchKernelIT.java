package dev.egret.node.agent;

import dev.egret.node.cgroup.CgroupLimits;
import dev.egret.node.cgroup.WorkloadCgroup;
import dev.egret.node.datapath.DatapathConfig;
import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.datapath.KernelContract;
import dev.egret.node.datapath.LearnedIp;
import dev.egret.node.datapath.PortRange;
import dev.egret.node.datapath.RuleValue;
import dev.egret.node.testkit.InCgroup;
import dev.egret.node.testkit.Servers;
import dev.egret.node.testkit.TestCgroups;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A policy change reaches each workload at once: written whole into the policy's other slot, then the workload
 * is pointed at it. A change the kernel cannot hold leaves the old policy in force, untouched; a policy the kernel
 * already holds is not written again by a new agent.
 */
class PolicySwitchKernelIT {
    private static final int ALLOW4_CAPACITY = 8;
    private TestCgroups env;
    private WorkloadCgroup wl;
    private EgretDatapath datapath;
    private Servers server;

    @BeforeEach
    void setUp() throws Exception {
        env = new TestCgroups();
        wl = env.workload("wl", CgroupLimits.NONE);
        datapath = EgretDatapath.open(new DatapathConfig(env.pinDir, wl.path(),
                Map.of(KernelContract.MAP_ALLOW4, ALLOW4_CAPACITY)));
        server = new Servers("0.0.0.0");
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
        datapath.close();
        wl.close();
        env.close();
    }

    /** Policy "p" allowing the server's port on {@code hosts} addresses from 127.0.0.{first}. */
    private DesiredState desired(int first, int hosts) {
        String cidrs = IntStream.range(first, first + hosts).mapToObj(i -> "127.0.0." + i + "/32").collect(Collectors.joining(", "));
        EgressPolicy p = PolicyCodec.parseYaml("apiVersion: egret.dev/v1\nkind: EgressPolicy\nmetadata: {name: p}\n"
                + "spec: {egress: [{toCIDR: [" + cidrs + "], toPorts: [{port: " + server.port() + "}]}]}\n");
        return DesiredState.compute(Map.of("p", p), Map.of("p", 3), Map.of("p", Map.of("wl", wl.id())));
    }

    private List<String> probe(String... hosts) throws Exception {
        String port = Integer.toString(server.port());
        List<String> args = new java.util.ArrayList<>();
        for (String h : hosts) {
            args.addAll(List.of("tcp", h, port));
        }
        return InCgroup.probe(wl, false, args.toArray(String[]::new));
    }

    private int boundSlot() {
        return datapath.workloads().get(wl.id()).slot();
    }

    @Test
    void aChangeFlipsTheWorkloadToTheOtherSlotAndKeepsWhatItLearned() throws Exception {
        Reconciler r = new Reconciler(datapath);
        r.apply(desired(1, 2));
        int before = boundSlot();
        assertEquals(3, Reconciler.logical(before));
        assertEquals(List.of("ok", "EPERM"), probe("127.0.0.1", "127.0.0.5"));
        InetAddress learned = InetAddress.getByName("127.0.0.9");
        datapath.learn(new LearnedIp(wl.id(), learned, System.nanoTime() + 600_000_000_000L,
                new RuleValue(new TreeSet<>(List.of(PortRange.ALL)))));

        r.apply(desired(5, 2));
        int after = boundSlot();
        assertEquals(before ^ 1, after, "the workload now uses the policy's other slot");
        assertEquals(Set.of(after), datapath.ruleSlots(), "the old slot is cleared once nothing uses it");
        assertEquals(List.of("EPERM", "ok", "ok"), probe("127.0.0.1", "127.0.0.5", "127.0.0.9"),
                "new rules in force; an address learned under the same policy stays");
        assertEquals(0, r.apply(desired(5, 2)), "nothing to do when nothing changed");
    }

    @Test
    void aChangeTheKernelCannotHoldLeavesTheOldPolicyInForce() throws Exception {
        Reconciler r = new Reconciler(datapath);
        r.apply(desired(1, 3));
        int before = boundSlot();
        assertThrows(RuntimeException.class, () -> r.apply(desired(10, ALLOW4_CAPACITY - 1)),
                "old and new together do not fit");
        assertEquals(before, boundSlot(), "still on the old rules");
        assertEquals(Set.of(before), datapath.ruleSlots(), "nothing of the new policy is left half-written");
        assertEquals(List.of("ok", "ok", "ok", "EPERM"), probe("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.10"));
        r.apply(desired(4, 3));
        assertEquals(List.of("EPERM", "ok"), probe("127.0.0.1", "127.0.0.4"), "a change that fits goes through after");
    }

    @Test
    void aNewAgentAdoptsWhatTheKernelAlreadyHoldsWithoutWriting() throws Exception {
        new Reconciler(datapath).apply(desired(1, 2));
        int slot = boundSlot();
        assertEquals(0, new Reconciler(datapath).apply(desired(1, 2)), "adopted: no write at all");
        assertEquals(slot, boundSlot());
        assertTrue(new Reconciler(datapath).apply(desired(1, 3)) > 0, "a difference: the policy is written");
        assertEquals(slot ^ 1, boundSlot());
    }
}
