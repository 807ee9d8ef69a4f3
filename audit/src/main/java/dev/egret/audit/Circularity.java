package dev.egret.audit;

import dev.egret.policy.EgressPolicy;
import dev.egret.policy.NamePattern;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a destination is what a policy protects: its name matches {@code spec.protects}, or its address was seen
 * (by any workload) for a protected name. Depending on such a destination is a circular dependency.
 */
public final class Circularity {
    private final List<NamePattern> protects;
    private final AddressNames addressNames;

    public Circularity(EgressPolicy policy, AddressNames addressNames) {
        this.protects = new ArrayList<>();
        if (policy != null) {
            for (String p : policy.spec().protects()) {
                protects.add(NamePattern.compile(p));
            }
        }
        this.addressNames = addressNames;
    }

    public boolean isProtectedName(String name) {
        if (name == null) {
            return false;
        }
        for (NamePattern p : protects) {
            if (p.matches(name)) {
                return true;
            }
        }
        return false;
    }

    /** True when the address was seen for a protected name. */
    public boolean isProtectedAddress(InetAddress ip) {
        if (protects.isEmpty()) {
            return false;
        }
        for (String n : addressNames.namesOf(ip)) {
            if (isProtectedName(n)) {
                return true;
            }
        }
        return false;
    }

    public boolean isCircular(String name, InetAddress ip) {
        return isProtectedName(name) || isProtectedAddress(ip);
    }
}
