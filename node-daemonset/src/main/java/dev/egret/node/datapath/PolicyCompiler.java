package dev.egret.node.datapath;

import dev.egret.libbpf.BpfMap;
import dev.egret.policy.Cidr;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.Mode;
import dev.egret.policy.PortRule;
import dev.egret.policy.Protocol;
import dev.egret.policy.Rule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a policy's CIDR rules into rule-trie entries for one slot. Pure.
 *
 * <p>An LPM trie returns only the longest prefix containing an address, so each entry carries the port ranges of
 * every rule whose prefix contains the entry's prefix: the longest match then holds all rules that apply.
 * Name rules ({@code toFQDNs}) reach the kernel through the DNS proxy's learned IPs, not through here.
 */
public final class PolicyCompiler {
    private PolicyCompiler() {
    }

    public static CompiledPolicy compile(EgressPolicy policy, int slot) {
        Map<Cidr, TreeSet<PortRange>> allow = collect(policy.spec().egress());
        Map<Cidr, TreeSet<PortRange>> deny = collect(policy.spec().deny());
        Map<BpfMap.Key, byte[]> allow4 = new LinkedHashMap<>();
        Map<BpfMap.Key, byte[]> allow6 = new LinkedHashMap<>();
        Map<BpfMap.Key, byte[]> deny4 = new LinkedHashMap<>();
        Map<BpfMap.Key, byte[]> deny6 = new LinkedHashMap<>();
        Map<TreeSet<PortRange>, byte[]> values = new HashMap<>(); // one value array per distinct set of ranges
        emit(allow, values, allow4, allow6);
        emit(deny, values, deny4, deny6);
        return new CompiledPolicy(slot, policy.spec().mode() == Mode.AUDIT, policy.spec().allowRawSockets(), allow4, deny4,
                allow6, deny6);
    }

    /** The port ranges of a rule: ALL when it names no ports. */
    public static List<PortRange> ranges(Rule rule) {
        if (rule.toPorts().isEmpty()) {
            return List.of(PortRange.ALL);
        }
        List<PortRange> out = new ArrayList<>();
        for (PortRule p : rule.toPorts()) {
            out.add(new PortRange(p.port(), p.lastPort(), proto(p.protocol())));
        }
        return out;
    }

    static byte proto(Protocol p) {
        return switch (p) {
            case TCP -> KernelContract.PROTO_TCP;
            case UDP -> KernelContract.PROTO_UDP;
            case ANY -> KernelContract.PROTO_ANY;
        };
    }

    private static Map<Cidr, TreeSet<PortRange>> collect(List<Rule> rules) {
        Map<Cidr, TreeSet<PortRange>> byPrefix = new HashMap<>();
        for (Rule r : rules) {
            List<PortRange> ranges = ranges(r);
            for (String c : r.toCIDR()) {
                byPrefix.computeIfAbsent(Cidr.parse(c), k -> new TreeSet<>()).addAll(ranges);
            }
        }
        // every prefix inherits the ranges of the prefixes that contain it: probe each shorter prefix length in use
        // (at most 32 or 128 hash lookups per prefix, not a scan of every other prefix)
        Set<Integer> lengths4 = new TreeSet<>();
        Set<Integer> lengths6 = new TreeSet<>();
        byPrefix.keySet().forEach(c -> (c.isIpv4() ? lengths4 : lengths6).add(c.prefixLength()));
        Map<Cidr, TreeSet<PortRange>> merged = new HashMap<>();
        for (Map.Entry<Cidr, TreeSet<PortRange>> e : byPrefix.entrySet()) {
            Cidr inner = e.getKey();
            TreeSet<PortRange> all = new TreeSet<>(e.getValue());
            for (int len : inner.isIpv4() ? lengths4 : lengths6) {
                if (len >= inner.prefixLength()) {
                    break;
                }
                TreeSet<PortRange> outer = byPrefix.get(new Cidr(inner.address(), len));
                if (outer != null) {
                    all.addAll(outer);
                }
            }
            merged.put(inner, all);
        }
        return merged;
    }

    /** Keys carry slot 0: {@link CompiledPolicy} holds its entries slot-neutral. */
    private static void emit(Map<Cidr, TreeSet<PortRange>> rules, Map<TreeSet<PortRange>, byte[]> values,
                             Map<BpfMap.Key, byte[]> v4, Map<BpfMap.Key, byte[]> v6) {
        for (Map.Entry<Cidr, TreeSet<PortRange>> e : rules.entrySet()) {
            byte[] value = values.get(e.getValue());
            if (value == null) {
                try {
                    value = new RuleValue(e.getValue()).encode();
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException(e.getKey() + ": " + ex.getMessage(), ex);
                }
                values.put(e.getValue(), value);
            }
            (e.getKey().isIpv4() ? v4 : v6).put(new BpfMap.Key(LpmKeys.of(0, e.getKey())), value);
        }
    }
}
