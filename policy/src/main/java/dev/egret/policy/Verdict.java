package dev.egret.policy;

/** The outcome of a decision. {@code AUDIT_DENY}: the traffic passes, but enforce mode would have denied it. */
public enum Verdict {
    ALLOW, DENY, AUDIT_DENY;

    /** {@code allow}, {@code deny} or {@code audit-deny}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** True when the traffic passes. */
    public boolean passes() {
        return this != DENY;
    }
}
