package dev.egret.controller.store;

import java.time.Duration;

/**
 * How much of the audit stream the controller keeps: at most about {@code maxEvents} events (whole segments are
 * dropped, oldest first) and nothing older than {@code maxAge}. Segments hold {@code segmentEvents} events each.
 */
public record AuditRetention(long maxEvents, Duration maxAge, int segmentEvents) {
    public AuditRetention {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("egret.audit.max-events must be at least 1, not " + maxEvents);
        }
        if (maxAge == null || maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("egret.audit.max-age must be a positive duration, not " + maxAge);
        }
        if (segmentEvents < 1) {
            throw new IllegalArgumentException("egret.audit.segment-events must be at least 1, not " + segmentEvents);
        }
    }
}
