package dev.egret.policy;

/** Transport protocol of a port rule or a destination. {@code ANY} in a rule matches TCP and UDP. */
public enum Protocol {
    TCP, UDP, ANY;

    /** True when a rule with this protocol covers traffic of {@code actual}. */
    public boolean covers(Protocol actual) {
        return this == ANY || this == actual;
    }
}
