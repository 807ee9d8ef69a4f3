package dev.egret.node.datapath;

import dev.egret.node.cgroup.CgroupLimits;
import dev.egret.node.cgroup.WorkloadCgroup;
import dev.egret.node.testkit.InCgroup;
import dev.egret.node.testkit.TestCgroups;
import dev.egret.policy.PolicyCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code spec.allowRawSockets} in the kernel, as the node agent binds it: the command here keeps CAP_NET_RAW (it
 * runs as root, not under {@code egret run}), so only the datapath's socket hook decides.
 */
class RawSocketsKernelIT {
    private static final String OPEN_RAW = """
            import socket
            for fam, proto in [(socket.AF_INET, socket.IPPROTO_ICMP), (socket.AF_INET6, socket.IPPROTO_ICMPV6)]:
                try:
                    socket.socket(fam, socket.SOCK_RAW, proto).close(); print("open")
                except PermissionError:
                    print("EPERM")
            """;
    private TestCgroups env;
    private WorkloadCgroup wl;
    private EgretDatapath datapath;

    @BeforeEach
    void setUp() {
        env = new TestCgroups();
        wl = env.workload("wl", CgroupLimits.NONE);
        datapath = EgretDatapath.open(new DatapathConfig(env.pinDir, wl.path(), Map.of()));
    }

    @AfterEach
    void tearDown() throws Exception {
        datapath.close();
        wl.close();
        env.close();
    }

    private List<String> openRawSocketsUnder(String spec) throws Exception {
        CompiledPolicy c = PolicyCompiler.compile(PolicyCodec.parseYaml(
                "apiVersion: egret.dev/v1\nkind: EgressPolicy\nmetadata: {name: t}\nspec:\n" + spec), 4);
        datapath.applyPolicy(c);
        datapath.bindWorkload(wl.id(), WorkloadEntry.of(c, false));
        return InCgroup.run(wl, List.of("python3", "-c", OPEN_RAW));
    }

    @Test
    void aRawIcmpSocketOpensOnlyWhenThePolicyAllowsRawSockets() throws Exception {
        assertEquals(List.of("EPERM", "EPERM"), openRawSocketsUnder("  egress: [{toCIDR: [0.0.0.0/0]}]\n"));
        assertEquals(List.of("open", "open"), openRawSocketsUnder("  allowRawSockets: true\n"));
        assertEquals(List.of("EPERM", "EPERM"), openRawSocketsUnder("  allowRawSockets: false\n"),
                "a policy that takes it back applies at once");
    }
}
