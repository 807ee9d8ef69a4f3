package dev.egret.policy;

import java.util.List;

/**
 * The decision function: protects first, then deny rules, then allow rules, else the default deny.
 * In audit mode every deny becomes an audit-deny. Pure: no I/O, no clock.
 */
public final class PolicyDecider {
    private PolicyDecider() {
    }

    public static Decision decide(EgressPolicy policy, Destination dest) {
        PolicySpec spec = policy.spec();
        boolean audit = spec.mode() == Mode.AUDIT;
        if (dest.name() != null) {
            List<String> protects = spec.protects();
            for (int i = 0; i < protects.size(); i++) {
                if (NamePattern.compile(protects.get(i)).matches(dest.name())) {
                    return deny(audit, "circular dependency: " + dest.name() + " is protected by this workload ('"
                            + protects.get(i) + "')", "spec.protects[" + i + "]");
                }
            }
        }
        String denied = firstMatch(spec.deny(), "spec.deny", dest);
        if (denied != null) {
            return deny(audit, "denied by rule " + denied, denied);
        }
        String allowed = firstMatch(spec.egress(), "spec.egress", dest);
        if (allowed != null) {
            return new Decision(Verdict.ALLOW, "allowed by rule " + allowed, allowed);
        }
        return deny(audit, "no egress rule allows " + describe(dest), Decision.DEFAULT_DENY);
    }

    private static Decision deny(boolean audit, String reason, String rule) {
        return audit ? new Decision(Verdict.AUDIT_DENY, reason + " (audit mode: let through)", rule)
                : new Decision(Verdict.DENY, reason, rule);
    }

    /** The path of the first rule selector covering the destination, or null. */
    private static String firstMatch(List<Rule> rules, String path, Destination d) {
        for (int r = 0; r < rules.size(); r++) {
            Rule rule = rules.get(r);
            if (!rule.coversPort(d.port(), d.protocol())) {
                continue;
            }
            if (d.name() != null) {
                for (int i = 0; i < rule.toFQDNs().size(); i++) {
                    if (rule.toFQDNs().get(i).compile().matches(d.name())) {
                        return path + "[" + r + "].toFQDNs[" + i + "]";
                    }
                }
            }
            if (d.ip() != null) {
                for (int i = 0; i < rule.toCIDR().size(); i++) {
                    if (Cidr.parse(rule.toCIDR().get(i)).contains(d.ip())) {
                        return path + "[" + r + "].toCIDR[" + i + "]";
                    }
                }
            }
        }
        return null;
    }

    private static String describe(Destination d) {
        String host = d.name() != null ? d.name() : d.ip().getHostAddress();
        return host + ":" + d.port() + "/" + d.protocol();
    }
}
