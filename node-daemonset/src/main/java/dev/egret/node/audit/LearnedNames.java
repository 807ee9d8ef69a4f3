package dev.egret.node.audit;

import dev.egret.node.datapath.AddressKey;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which DNS name each learned address came from, per workload (its bound cgroup), so a connect to a learned address is reported under
 * its name (the dependency map then shows {@code api.github.com:443}, not only an IP). Bounded: the least recently
 * used entries go first; it only names events, it never decides anything. Thread-safe.
 */
public final class LearnedNames {
    private final Map<AddressKey, String> names;

    public LearnedNames(int capacity) {
        this.names = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<AddressKey, String> eldest) {
                return size() > capacity;
            }
        };
    }

    public synchronized void learned(long cgroupId, List<InetAddress> addresses, String name) {
        for (InetAddress a : addresses) {
            AddressKey k = AddressKey.of(cgroupId, a);
            String known = names.get(k); // marks it recently used
            if (!name.equals(known)) { // the same name again: keep the string the map holds (no young object in it)
                names.put(k, name);
            }
        }
    }

    public synchronized Optional<String> nameOf(long cgroupId, InetAddress address) {
        return Optional.ofNullable(names.get(AddressKey.of(cgroupId, address)));
    }
}
