package dev.egret.controller.store;

import java.util.HashMap;
import java.util.Map;

/**
 * Shares equal strings among stored events (node, workload, names, rules repeat a lot). Bounded: once full, new
 * strings are kept as they are. Not thread-safe.
 */
final class StringPool {
    private final Map<String, String> pool = new HashMap<>();
    private final int capacity;

    StringPool(int capacity) {
        this.capacity = capacity;
    }

    String of(String s) {
        if (s == null) {
            return null;
        }
        String found = pool.get(s);
        if (found != null) {
            return found;
        }
        if (pool.size() < capacity) {
            pool.put(s, s);
        }
        return s;
    }
}
