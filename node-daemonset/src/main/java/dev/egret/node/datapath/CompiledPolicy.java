package dev.egret.node.datapath;

import dev.egret.libbpf.BpfMap;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

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

    /** The same rules for another slot (the keys carry the slot). */
    public CompiledPolicy forSlot(int other) {
        if (other == slot) {
            return this;
        }
        return new CompiledPolicy(other, audit, allowRaw, rekey(allow4, other), rekey(deny4, other), rekey(allow6, other),
                rekey(deny6, other));
    }

    private static Map<BpfMap.Key, byte[]> rekey(Map<BpfMap.Key, byte[]> m, int slot) {
        Map<BpfMap.Key, byte[]> out = new HashMap<>(m.size() * 2);
        m.forEach((k, v) -> out.put(new BpfMap.Key(LpmKeys.withSlot(k.bytes(), slot)), v));
        return out;
    }

    public int entryCount() {
        return allow4.size() + deny4.size() + allow6.size() + deny6.size();
    }

    /** Equal when the kernel would hold the same entries: values compare by content, not array identity. */
    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof CompiledPolicy c && slot == c.slot && audit == c.audit && allowRaw == c.allowRaw
                && sameEntries(allow4, c.allow4) && sameEntries(deny4, c.deny4) && sameEntries(allow6, c.allow6)
                && sameEntries(deny6, c.deny6);
    }

    @Override
    public int hashCode() {
        return Objects.hash(slot, audit, allowRaw, entriesHash(allow4), entriesHash(deny4), entriesHash(allow6),
                entriesHash(deny6));
    }

    private static boolean sameEntries(Map<BpfMap.Key, byte[]> a, Map<BpfMap.Key, byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (Map.Entry<BpfMap.Key, byte[]> e : a.entrySet()) {
            if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static int entriesHash(Map<BpfMap.Key, byte[]> m) {
        int h = 0;
        for (Map.Entry<BpfMap.Key, byte[]> e : m.entrySet()) {
            h += e.getKey().hashCode() ^ Arrays.hashCode(e.getValue());
        }
        return h;
    }
}
