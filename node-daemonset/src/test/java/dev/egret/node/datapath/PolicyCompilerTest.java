package dev.egret.node.datapath;

import dev.egret.libbpf.BpfMap;
import dev.egret.policy.Cidr;
import dev.egret.policy.PolicyCodec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyCompilerTest {

    static CompiledPolicy compile(String spec) {
        return PolicyCompiler.compile(PolicyCodec.parseYaml(
                "apiVersion: egret.dev/v1\nkind: EgressPolicy\nmetadata: {name: t}\nspec:\n" + spec), 3);
    }

    static Set<PortRange> rangesAt(Map<BpfMap.Key, byte[]> map, String cidr) {
        byte[] v = map.get(new BpfMap.Key(LpmKeys.of(3, Cidr.parse(cidr))));
        return RuleValue.decode(ByteBuffer.wrap(v).order(ByteOrder.nativeOrder())).ranges();
    }

    @Test
    void longerPrefixesInheritThePortsOfTheShorterOnesThatContainThem() {
        CompiledPolicy c = compile("""
                  egress:
                    - toCIDR: [10.0.0.0/8]
                      toPorts: [{port: 80, protocol: TCP}]
                    - toCIDR: [10.1.0.0/16]
                      toPorts: [{port: 443, endPort: 444}]
                    - toCIDR: [192.168.0.0/16]
                """);
        assertEquals(Set.of(new PortRange(80, 80, KernelContract.PROTO_TCP)), rangesAt(c.allow4(), "10.0.0.0/8"));
        assertEquals(Set.of(new PortRange(80, 80, KernelContract.PROTO_TCP), new PortRange(443, 444, KernelContract.PROTO_ANY)),
                rangesAt(c.allow4(), "10.1.0.0/16"));
        assertEquals(Set.of(PortRange.ALL), rangesAt(c.allow4(), "192.168.0.0/16"));
        assertTrue(c.allow6().isEmpty());
    }

    @Test
    void aPrefixInheritsFromEveryEnclosingLengthAndNothingFromSiblings() {
        StringBuilder hosts = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            hosts.append("10.1.").append(i / 256).append('.').append(i % 256).append("/32, ");
        }
        CompiledPolicy c = compile("""
                  egress:
                    - toCIDR: [10.0.0.0/8]
                      toPorts: [{port: 80, protocol: TCP}]
                    - toCIDR: [10.1.0.0/16, 10.2.0.0/16]
                      toPorts: [{port: 443, protocol: TCP}]
                    - toCIDR: [10.1.2.0/24]
                      toPorts: [{port: 8080, protocol: UDP}]
                    - toCIDR: [%s]
                      toPorts: [{port: 22, protocol: TCP}]
                """.formatted(hosts));
        PortRange p80 = new PortRange(80, 80, KernelContract.PROTO_TCP);
        PortRange p443 = new PortRange(443, 443, KernelContract.PROTO_TCP);
        PortRange p8080 = new PortRange(8080, 8080, KernelContract.PROTO_UDP);
        PortRange p22 = new PortRange(22, 22, KernelContract.PROTO_TCP);
        assertEquals(2004, c.allow4().size());
        assertEquals(Set.of(p80, p443, p8080, p22), rangesAt(c.allow4(), "10.1.2.3/32"));
        assertEquals(Set.of(p80, p443, p22), rangesAt(c.allow4(), "10.1.3.3/32"), "10.1.2.0/24 does not contain it");
        assertEquals(Set.of(p80, p443), rangesAt(c.allow4(), "10.2.0.0/16"), "a sibling /16 inherits only the /8");
        assertEquals(Set.of(p80), rangesAt(c.allow4(), "10.0.0.0/8"));
    }

    @Test
    void recompilingAnUnchangedPolicyIsEqualAndAChangedOneIsNot() {
        String spec = """
                  egress: [{toCIDR: [10.0.0.0/8, '2001:db8::/32'], toPorts: [{port: 443}]}]
                  deny: [{toCIDR: [10.9.0.0/16]}]
                """;
        CompiledPolicy a = compile(spec);
        CompiledPolicy b = compile(spec);
        assertEquals(a, b, "the agent skips rewriting a slot whose compiled form did not change");
        assertEquals(a.hashCode(), b.hashCode());
        assertTrue(!a.equals(compile(spec.replace("443", "444"))), "other ports are other rule values");
        assertTrue(!a.equals(compile(spec.replace("10.9.0.0/16", "10.8.0.0/16"))));
    }

    @Test
    void familiesAndDenyRulesGoToTheirOwnTries() {
        CompiledPolicy c = compile("""
                  egress: [{toCIDR: ['2001:db8::/32', '::ffff:10.0.0.0/104']}]
                  deny: [{toCIDR: [169.254.169.254/32, 'fe80::/10']}]
                """);
        assertEquals(1, c.allow6().size());
        assertEquals(1, c.allow4().size(), "an IPv4-mapped prefix is an IPv4 prefix");
        assertEquals(Set.of(PortRange.ALL), rangesAt(c.allow4(), "10.0.0.0/8"));
        assertEquals(1, c.deny4().size());
        assertEquals(1, c.deny6().size());
    }

    @Test
    void keysCarryTheSlotAndPrefix() {
        byte[] k = LpmKeys.of(3, Cidr.parse("10.1.0.0/16"));
        assertEquals(KernelContract.LPM4_KEY_SIZE, k.length);
        assertEquals(3, LpmKeys.slotOf(k));
        assertEquals(Cidr.parse("10.1.0.0/16"), LpmKeys.cidrOf(k));
        assertEquals(48, ByteBuffer.wrap(k).order(ByteOrder.nativeOrder()).getInt());
        assertEquals(Cidr.parse("2001:db8::/32"), LpmKeys.cidrOf(LpmKeys.of(9, Cidr.parse("2001:db8::/32"))));
    }

    @Test
    void tooManyPortRangesForOnePrefixIsAClearError() {
        StringBuilder ports = new StringBuilder();
        for (int i = 1; i <= 17; i++) {
            ports.append("{port: ").append(i * 100).append("},");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> compile("  egress: [{toCIDR: [10.0.0.0/8], toPorts: [" + ports + "]}]\n"));
        assertTrue(e.getMessage().contains("10.0.0.0/8"), e.getMessage());
    }

    @Test
    void diffWritesChangesFirstAndDeletesOnlyStaleOwnedKeys() {
        BpfMap.Key a = new BpfMap.Key(new byte[]{1});
        BpfMap.Key b = new BpfMap.Key(new byte[]{2});
        BpfMap.Key c = new BpfMap.Key(new byte[]{3});
        BpfMap.Key foreign = new BpfMap.Key(new byte[]{9});
        MapDiff d = MapDiff.between(Map.of(a, new byte[]{1}, b, new byte[]{1}, foreign, new byte[]{1}),
                Map.of(a, new byte[]{1}, b, new byte[]{2}, c, new byte[]{3}), k -> k != foreign);
        assertEquals(Set.of(b, c), d.upserts().keySet());
        assertEquals(List.of(), d.deletes());
        MapDiff gone = MapDiff.between(Map.of(a, new byte[]{1}, foreign, new byte[]{1}), Map.of(), k -> !k.equals(foreign));
        assertEquals(List.of(a), gone.deletes());
        assertTrue(MapDiff.between(Map.of(a, new byte[]{1}), Map.of(a, new byte[]{1}), k -> true).isEmpty());
    }

    @Test
    void rawSocketsAreAllowedToTheWorkloadOnlyWhenThePolicySaysSo() {
        CompiledPolicy byDefault = compile("  egress: [{toCIDR: [10.0.0.0/8]}]\n");
        CompiledPolicy allowed = compile("  mode: audit\n  allowRawSockets: true\n");
        assertFalse(byDefault.allowRaw());
        assertTrue(allowed.allowRaw());
        WorkloadEntry entry = WorkloadEntry.of(allowed, true);
        assertEquals(new WorkloadEntry(3, true, true, true), entry);
        assertEquals(entry, WorkloadEntry.decode(entry.encode()), "the flag reaches the kernel's workload entry");
        assertEquals(new WorkloadEntry(3, false, false, false), WorkloadEntry.decode(WorkloadEntry.of(byDefault, false).encode()));
    }

    @Test
    void ruleValuesRoundTrip() {
        RuleValue v = new RuleValue(new TreeSet<>(List.of(new PortRange(1, 2, KernelContract.PROTO_UDP),
                new PortRange(53, 53, KernelContract.PROTO_ANY))));
        byte[] bytes = v.encode();
        assertEquals(KernelContract.RULE_SIZE, bytes.length);
        assertEquals(v, RuleValue.decode(ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder())));
    }
}
