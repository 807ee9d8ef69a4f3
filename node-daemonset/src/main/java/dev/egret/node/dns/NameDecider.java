package dev.egret.node.dns;

import dev.egret.node.datapath.PolicyCompiler;
import dev.egret.node.datapath.PortRange;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.Mode;
import dev.egret.policy.NamePattern;
import dev.egret.policy.Rule;
import dev.egret.policy.Verdict;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides DNS names against a policy: protects first (a circular dependency), then deny rules, then allow rules,
 * else the default deny; audit mode turns a deny into an audit-deny. Pure: the proxy calls it per query.
 */
public final class NameDecider {
    private NameDecider() {
    }

    public static NameDecision decide(EgressPolicy policy, String name) {
        boolean audit = policy.spec().mode() == Mode.AUDIT;
        List<String> protects = policy.spec().protects();
        for (int i = 0; i < protects.size(); i++) {
            if (NamePattern.compile(protects.get(i)).matches(name)) {
                return deny(audit, "spec.protects[" + i + "]", "circular dependency: " + name
                        + " is what this workload protects");
            }
        }
        List<Rule> denyRules = policy.spec().deny();
        for (int r = 0; r < denyRules.size(); r++) {
            String m = match(denyRules.get(r), "spec.deny[" + r + "]", name);
            if (m != null) {
                return deny(audit, m, "denied by rule " + m);
            }
        }
        Set<PortRange> ports = new TreeSet<>();
        String allowed = null;
        List<Rule> egress = policy.spec().egress();
        for (int r = 0; r < egress.size(); r++) {
            String m = match(egress.get(r), "spec.egress[" + r + "]", name);
            if (m != null) {
                allowed = allowed == null ? m : allowed;
                ports.addAll(PolicyCompiler.ranges(egress.get(r)));
            }
        }
        if (allowed != null) {
            return new NameDecision(Verdict.ALLOW, allowed, "allowed by rule " + allowed, ports);
        }
        return deny(audit, "default-deny", "no egress rule allows the name " + name);
    }

    /** In audit mode a would-be denied name is still learned, on every port, so its traffic passes. */
    private static NameDecision deny(boolean audit, String rule, String reason) {
        return new NameDecision(audit ? Verdict.AUDIT_DENY : Verdict.DENY, rule, reason,
                audit ? Set.of(PortRange.ALL) : Set.of());
    }

    private static String match(Rule rule, String path, String name) {
        for (int i = 0; i < rule.toFQDNs().size(); i++) {
            if (rule.toFQDNs().get(i).compile().matches(name)) {
                return path + ".toFQDNs[" + i + "]";
            }
        }
        return null;
    }
}
