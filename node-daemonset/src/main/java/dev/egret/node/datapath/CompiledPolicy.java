package dev.egret.node.datapath;

import dev.egret.libbpf.BpfMap;

import java.util.Map;

/**
 * A policy as the kernel holds it for one slot: the entries of the four rule tries, keyed by their raw key bytes.
 */
public record CompiledPolicy(int slot, boolean audit, boolean allowRaw, Map<BpfMap.Key, byte[]> allow4,
                             Map<BpfMap.Key, byte[]> deny4, Map<BpfMap.Key, byte[]> allow6, Map<BpfMap.Key, byte[]> deny6) {
    public CompiledPolicy {
        allow4 = Map.copyOf(allow4);
        deny4 = Map.copyOf(deny4);
        allow6 = Map.copyOf(allow6);
        deny6 = Map.copyOf(deny6);
    }

    public int entryCount() {
        return allow4.size() + deny4.size() + allow6.size() + deny6.size();
    }
}
