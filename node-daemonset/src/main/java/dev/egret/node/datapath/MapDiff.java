package dev.egret.node.datapath;

import dev.egret.libbpf.BpfMap;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The difference between a map's current entries (restricted to the ones a caller owns) and the desired ones.
 * Applying writes the upserts first and the deletes last, so no entry that stays desired is ever missing:
 * reconcile by difference, never flush and refill.
 */
public record MapDiff(Map<BpfMap.Key, byte[]> upserts, List<BpfMap.Key> deletes) {

    public static MapDiff between(Map<BpfMap.Key, byte[]> current, Map<BpfMap.Key, byte[]> desired,
                                  Predicate<BpfMap.Key> owned) {
        Map<BpfMap.Key, byte[]> up = new LinkedHashMap<>();
        desired.forEach((k, v) -> {
            byte[] have = current.get(k);
            if (have == null || !Arrays.equals(have, v)) {
                up.put(k, v);
            }
        });
        List<BpfMap.Key> del = current.keySet().stream().filter(owned).filter(k -> !desired.containsKey(k)).toList();
        return new MapDiff(up, del);
    }

    public boolean isEmpty() {
        return upserts.isEmpty() && deletes.isEmpty();
    }

    public void applyTo(BpfMap map) {
        upserts.forEach((k, v) -> map.put(k.bytes(), v));
        deletes.forEach(k -> map.delete(k.bytes()));
    }
}
