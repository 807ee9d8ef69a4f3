package dev.egret.node.agent;

import dev.egret.node.cgroup.CgroupLimits;
import dev.egret.node.cgroup.WorkloadCgroup;
import dev.egret.node.datapath.DatapathConfig;
import dev.egret.node.datapath.EgretDatapath;
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
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Addresses a workload learned under one policy never outlive that policy's hold on it: moved to another policy,
 * or no longer policed, the workload loses them at once (not only when they expire).
 */
class ReconcilerKernelIT {
    private TestCgroups env;
    private WorkloadCgroup wl;
    private EgretDatapath datapath;
    private Servers server;

    @BeforeEach
    void setUp() throws Exception {
        env = new TestCgroups();
        wl = env.workload("wl", CgroupLimits.NONE);
        datapath = EgretDatapath.open(new DatapathConfig(env.pinDir, wl.path(), Map.of()));
        server = new Servers("0.0.0.0");
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
        datapath.close();
        wl.close();
        env.close();
    }

    private static EgressPolicy policy(String name) {
        return PolicyCodec.parseYaml("apiVersion: egret.dev/v1\nkind: EgressPolicy\nmetadata: {name: " + name + "}\n"
                + "spec: {egress: [{toFQDNs: [{matchName: " + name + ".test}]}]}\n");
    }

    /** The desired state with the workload bound to {@code policy}, or to none. */
    private static DesiredState bound(String policy, long cgroupId) {
        Map<String, EgressPolicy> policies = Map.of("a", policy("a"), "b", policy("b"));
        return DesiredState.compute(policies, Map.of("a", 1, "b", 2),
                policy == null ? Map.of() : Map.of(policy, Map.of("wl", cgroupId)));
    }

    private void learn(InetAddress ip) {
        datapath.learn(new LearnedIp(wl.id(), ip, System.nanoTime() + 600_000_000_000L,
                new RuleValue(new TreeSet<>(List.of(PortRange.ALL)))));
    }

    private List<String> probe() throws Exception {
        return InCgroup.probe(wl, false, "tcp", "127.0.0.3", Integer.toString(server.port()));
    }

    @Test
    void aWorkloadLosesWhatItLearnedWhenItMovesToAnotherPolicyOrIsNoLongerPoliced() throws Exception {
        Reconciler r = new Reconciler(datapath);
        InetAddress ip = InetAddress.getByName("127.0.0.3");
        r.apply(bound("a", wl.id()));
        learn(ip); // as the proxy does for a.test's answer
        assertEquals(List.of("ok"), probe(), "learned under policy a");

        r.apply(bound("b", wl.id()));
        assertEquals(List.of("EPERM"), probe(), "policy b never allowed the name that taught it");
        assertTrue(datapath.learned(wl.id(), ip).isEmpty());

        learn(ip); // under b now
        r.apply(bound(null, wl.id()));
        assertTrue(datapath.learnedEntries().isEmpty(), "an unpoliced workload keeps nothing");
        r.apply(bound("b", wl.id()));
        assertEquals(List.of("EPERM"), probe(), "policed again: it must resolve again");
    }
}
