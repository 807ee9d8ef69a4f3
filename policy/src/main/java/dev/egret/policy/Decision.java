package dev.egret.policy;

/**
 * A verdict with its reason.
 *
 * @param rule the field path of the rule that decided ({@code spec.egress[0].toFQDNs[1]}, {@code spec.deny[2].toCIDR[0]},
 *             {@code spec.protects[0]}) or {@code default-deny}
 */
public record Decision(Verdict verdict, String reason, String rule) {
    public static final String DEFAULT_DENY = "default-deny";
}
