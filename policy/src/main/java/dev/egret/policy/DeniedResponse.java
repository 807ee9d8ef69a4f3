package dev.egret.policy;

/** The DNS answer to a denied query. */
public enum DeniedResponse {
    REFUSED, NXDOMAIN;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
