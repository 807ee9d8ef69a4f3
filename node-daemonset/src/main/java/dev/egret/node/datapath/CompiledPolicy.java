package dev.egret.node.datapath;

import dev.egret.libbpf.BpfMap;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A policy as the kernel holds it for one slot: the entries of the four rule tries, keyed by their raw key bytes.
 *
 * <p>The entries are held once, with the slot field of every key zeroed, and shared by the same rules in every
 * other slot ({@link #forSlot}): a 10k-entry allow list costs one copy of its entries however many slots it is
 * compiled for or moved between. The accessors key them for {@link #slot()} on demand (they are read when the kernel
 * is written or checked, not on every reconcile pass).
 */
public final class CompiledPolicy {
    /** The slot-neutral entries; compared by content, shared by identity. */
    private record Entries(Map<BpfMap.Key, byte[]> allow4, Map<BpfMap.Key, byte[]> deny4,
                           Map<BpfMap.Key, byte[]> allow6, Map<BpfMap.Key, byte[]> deny6) {
        int count() {
            return allow4.size() + deny4.size() + allow6.size() + deny6.size();
        }

        boolean sameAs(Entries o) {
            return this == o || sameEntries(allow4, o.allow4) && sameEntries(deny4, o.deny4)
                    && sameEntries(allow6, o.allow6) && sameEntries(deny6, o.deny6);
        }

        int contentHash() {
            return Objects.hash(entriesHash(allow4), entriesHash(deny4), entriesHash(allow6), entriesHash(deny6));
        }
    }

    private final int slot;
    private final boolean audit;
    private final boolean allowRaw;
    private final Entries entries;

    /** The maps' keys may carry any slot: they are stored slot-neutral and keyed for {@code slot} when read. */
    public CompiledPolicy(int slot, boolean audit, boolean allowRaw, Map<BpfMap.Key, byte[]> allow4,
                          Map<BpfMap.Key, byte[]> deny4, Map<BpfMap.Key, byte[]> allow6, Map<BpfMap.Key, byte[]> deny6) {
        this(slot, audit, allowRaw, new Entries(rekey(allow4, 0), rekey(deny4, 0), rekey(allow6, 0), rekey(deny6, 0)));
    }

    private CompiledPolicy(int slot, boolean audit, boolean allowRaw, Entries entries) {
        this.slot = slot;
        this.audit = audit;
        this.allowRaw = allowRaw;
        this.entries = entries;
    }

    public int slot() {
        return slot;
    }

    public boolean audit() {
        return audit;
    }

    public boolean allowRaw() {
        return allowRaw;
    }

    public Map<BpfMap.Key, byte[]> allow4() {
        return rekey(entries.allow4, slot);
    }

    public Map<BpfMap.Key, byte[]> deny4() {
        return rekey(entries.deny4, slot);
    }

    public Map<BpfMap.Key, byte[]> allow6() {
        return rekey(entries.allow6, slot);
    }

    public Map<BpfMap.Key, byte[]> deny6() {
        return rekey(entries.deny6, slot);
    }

    /** The same rules for another slot, sharing this policy's entries (no copy). */
    public CompiledPolicy forSlot(int other) {
        return other == slot ? this : new CompiledPolicy(other, audit, allowRaw, entries);
    }

    /** True when both hold the same entries whatever their slots (the reconciler then has nothing to rewrite). */
    public boolean sameRules(CompiledPolicy other) {
        return audit == other.audit && allowRaw == other.allowRaw && entries.sameAs(other.entries);
    }

    public int entryCount() {
        return entries.count();
    }

    /** Immutable; slot 0 keeps the keys as they are when they already carry it. */
    private static Map<BpfMap.Key, byte[]> rekey(Map<BpfMap.Key, byte[]> m, int slot) {
        boolean keyed = true;
        for (BpfMap.Key k : m.keySet()) {
            if (LpmKeys.slotOf(k.bytes()) != slot) {
                keyed = false;
                break;
            }
        }
        if (keyed) {
            return Map.copyOf(m); // the same instance when it is already an immutable map
        }
        Map<BpfMap.Key, byte[]> out = new HashMap<>(m.size() * 2);
        m.forEach((k, v) -> out.put(new BpfMap.Key(LpmKeys.withSlot(k.bytes(), slot)), v));
        return Map.copyOf(out);
    }

    /** Equal when the kernel would hold the same entries in the same slot: values compare by content. */
    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof CompiledPolicy c && slot == c.slot && sameRules(c);
    }

    @Override
    public int hashCode() {
        return Objects.hash(slot, audit, allowRaw, entries.contentHash());
    }

    @Override
    public String toString() {
        return "CompiledPolicy[slot=" + slot + ", audit=" + audit + ", allowRaw=" + allowRaw + ", entries="
                + entryCount() + "]";
    }

    private static boolean sameEntries(Map<BpfMap.Key, byte[]> a, Map<BpfMap.Key, byte[]> b) {
        if (a == b) {
            return true;
        }
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
