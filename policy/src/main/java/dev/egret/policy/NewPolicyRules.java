package dev.egret.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * Rules a policy must follow to be written now, beyond those that make it readable ({@link PolicyReader}). Policies
 * already stored, cached by agents or in a node's policy directory are read without them, so a policy that was valid
 * when written never stops applying after an upgrade; writes through the API apply them.
 */
public final class NewPolicyRules {
    private NewPolicyRules() {
    }

    /** What breaks these rules, each naming its field; empty when nothing does. */
    public static List<Violation> violations(EgressPolicy p) {
        List<Violation> out = new ArrayList<>();
        List<Rule> deny = p.spec().deny();
        for (int i = 0; i < deny.size(); i++) {
            Rule r = deny.get(i);
            if (!r.toFQDNs().isEmpty() && !r.toPorts().isEmpty()) {
                out.add(new Violation("spec.deny[" + i + "].toPorts", "a deny rule with toFQDNs denies its names on "
                        + "every port (the DNS proxy refuses to resolve them): give toPorts to a deny rule with toCIDR only"));
            }
        }
        return out;
    }

    /** {@code p}, or a {@link PolicyValidationException} listing what breaks these rules. */
    public static EgressPolicy check(EgressPolicy p) {
        List<Violation> v = violations(p);
        if (!v.isEmpty()) {
            throw new PolicyValidationException(v);
        }
        return p;
    }
}
