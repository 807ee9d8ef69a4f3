package dev.egret.policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The decision function: protects first, then deny rules, then allow rules, else the default deny.
 * In audit mode every deny becomes an audit-deny. Pure: no I/O, no clock.
 *
 * <p>{@link #decide(EgressPolicy, Destination)} decides once, parsing selectors as it goes. For many decisions
 * against one policy (the node explains every kernel event), {@link #of} compiles it once: name selectors into a
 * {@link FqdnMatcher} per rule and CIDRs into a hash per prefix length, so a decision costs a few lookups however
 * long the allow list.
 */
public final class PolicyDecider {
    private final boolean audit;
    private final List<String> protects;
    private final List<Selectors> deny;
    private final List<Selectors> egress;

    private PolicyDecider(EgressPolicy policy, boolean indexed) {
        PolicySpec spec = policy.spec();
        this.audit = spec.mode() == Mode.AUDIT;
        this.protects = spec.protects();
        this.deny = spec.deny().stream().map(r -> new Selectors(r, indexed)).toList();
        this.egress = spec.egress().stream().map(r -> new Selectors(r, indexed)).toList();
    }

    /** Compiles a (valid) policy for repeated decisions; thread-safe and immutable. */
    public static PolicyDecider of(EgressPolicy policy) {
        return new PolicyDecider(policy, true);
    }

    public static Decision decide(EgressPolicy policy, Destination dest) {
        return new PolicyDecider(policy, false).decide(dest);
    }

    public Decision decide(Destination dest) {
        if (dest.name() != null) {
            for (int i = 0; i < protects.size(); i++) {
                if (NamePattern.compile(protects.get(i)).matches(dest.name())) {
                    return deny("circular dependency: " + dest.name() + " is protected by this workload ('"
                            + protects.get(i) + "')", "spec.protects[" + i + "]");
                }
            }
        }
        String denied = firstMatch(deny, "spec.deny", dest);
        if (denied != null) {
            return deny("denied by rule " + denied, denied);
        }
        String allowed = firstMatch(egress, "spec.egress", dest);
        if (allowed != null) {
            return new Decision(Verdict.ALLOW, "allowed by rule " + allowed, allowed);
        }
        return deny("no egress rule allows " + describe(dest), Decision.DEFAULT_DENY);
    }

    private Decision deny(String reason, String rule) {
        return audit ? new Decision(Verdict.AUDIT_DENY, reason + " (audit mode: let through)", rule)
                : new Decision(Verdict.DENY, reason, rule);
    }

    /** The path of the first rule selector covering the destination, or null. */
    private static String firstMatch(List<Selectors> rules, String path, Destination d) {
        for (int r = 0; r < rules.size(); r++) {
            Selectors s = rules.get(r);
            if (!s.rule.coversPort(d.port(), d.protocol())) {
                continue;
            }
            if (d.name() != null) {
                int i = s.firstName(d.name());
                if (i >= 0) {
                    return path + "[" + r + "].toFQDNs[" + i + "]";
                }
            }
            if (d.ip() != null) {
                int i = s.firstCidr(d.ip());
                if (i >= 0) {
                    return path + "[" + r + "].toCIDR[" + i + "]";
                }
            }
        }
        return null;
    }

    private static String describe(Destination d) {
        String host = d.name() != null ? d.name() : d.ip().getHostAddress();
        return host + ":" + d.port() + "/" + d.protocol();
    }

    /** A rule's selectors: scanned in order (one decision), or indexed (compiled). */
    private static final class Selectors {
        final Rule rule;
        private final FqdnMatcher names;
        private final Map<Cidr, Integer> cidrs;     // prefix -> its first index in toCIDR
        private final List<Integer> lengths4;
        private final List<Integer> lengths6;

        Selectors(Rule rule, boolean indexed) {
            this.rule = rule;
            if (!indexed) {
                names = null;
                cidrs = null;
                lengths4 = lengths6 = null;
                return;
            }
            names = FqdnMatcher.of(rule.toFQDNs());
            cidrs = new HashMap<>();
            TreeSet<Integer> l4 = new TreeSet<>();
            TreeSet<Integer> l6 = new TreeSet<>();
            for (int i = 0; i < rule.toCIDR().size(); i++) {
                Cidr c = Cidr.parse(rule.toCIDR().get(i));
                cidrs.putIfAbsent(c, i);
                (c.isIpv4() ? l4 : l6).add(c.prefixLength());
            }
            lengths4 = new ArrayList<>(l4);
            lengths6 = new ArrayList<>(l6);
        }

        int firstName(String name) {
            if (names != null) {
                return names.firstMatch(name).orElse(-1);
            }
            for (int i = 0; i < rule.toFQDNs().size(); i++) {
                if (rule.toFQDNs().get(i).compile().matches(name)) {
                    return i;
                }
            }
            return -1;
        }

        int firstCidr(InetAddress ip) {
            if (cidrs == null) {
                for (int i = 0; i < rule.toCIDR().size(); i++) {
                    if (Cidr.parse(rule.toCIDR().get(i)).contains(ip)) {
                        return i;
                    }
                }
                return -1;
            }
            InetAddress a = Cidr.unmap(ip);
            Optional<Integer> best = Optional.empty();
            for (int len : a.getAddress().length == 4 ? lengths4 : lengths6) {
                Integer i = cidrs.get(new Cidr(a, len));
                if (i != null && (best.isEmpty() || i < best.get())) {
                    best = Optional.of(i);
                }
            }
            return best.orElse(-1);
        }
    }
}
