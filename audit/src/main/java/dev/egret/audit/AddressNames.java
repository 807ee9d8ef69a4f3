package dev.egret.audit;

import dev.egret.policy.Cidr;
import dev.egret.policy.DnsNames;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which names each address was seen for, across every workload: an event that carries both a name and an address
 * (a connect to an address learned from that name) associates them. Bounded per address.
 */
public final class AddressNames {
    static final int MAX_NAMES_PER_ADDRESS = 32;
    private final Map<InetAddress, Set<String>> names = new HashMap<>();

    public void learn(AuditEvent e) {
        if (e.name() == null || e.address() == null) {
            return;
        }
        InetAddress ip = parse(e.address());
        if (ip != null) {
            Set<String> set = names.computeIfAbsent(ip, k -> new LinkedHashSet<>());
            if (set.size() < MAX_NAMES_PER_ADDRESS) {
                set.add(DnsNames.normalize(e.name()));
            }
        }
    }

    public Set<String> namesOf(InetAddress ip) {
        return ip == null ? Set.of() : names.getOrDefault(ip, Set.of());
    }

    /** The address of an IP literal (IPv4-mapped IPv6 as IPv4), or null when it is not one. */
    static InetAddress parse(String address) {
        if (address == null) {
            return null;
        }
        try {
            return Cidr.parseAddress(address);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
