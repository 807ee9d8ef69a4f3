package dev.egret.policy;

/**
 * How the node's DNS proxy treats this workload: bounds on how long IPs learned from answers stay allowed,
 * and the answer to a denied query.
 */
public record DnsSettings(Integer minTTL, Integer maxTTL, DeniedResponse deniedResponse) {
    public static final int DEFAULT_MIN_TTL = 0;
    public static final int DEFAULT_MAX_TTL = 86_400;
    public static final DnsSettings DEFAULT = new DnsSettings(null, null, null);

    public DnsSettings {
        deniedResponse = deniedResponse == null ? DeniedResponse.REFUSED : deniedResponse;
    }

    public int effectiveMinTtl() {
        return minTTL == null ? DEFAULT_MIN_TTL : minTTL;
    }

    public int effectiveMaxTtl() {
        return maxTTL == null ? Math.max(DEFAULT_MAX_TTL, effectiveMinTtl()) : maxTTL;
    }

    /** {@code clamp(ttl, minTTL, maxTTL)}. */
    public long clampTtl(long ttl) {
        return Math.max(effectiveMinTtl(), Math.min(effectiveMaxTtl(), ttl));
    }
}
