package dev.egret.node.agent;

/**
 * How many denied-event lines the agent's log may take: a token bucket of {@code perSecond} lines a second, bursts of
 * up to one second's worth. A flood of denied connects (a workload retrying in a tight loop: hundreds of thousands a
 * second) would otherwise spend the agent's event thread on formatting log lines and swamp the node's log; the audit
 * journal keeps every event whatever the log shows. What was left out is counted, for a summary line the agent logs
 * once a second. Pure: time is an argument. Not thread-safe (the agent locks it).
 */
final class EventLogLimit {
    private final long perSecond;
    private double tokens;
    private long lastNanos;
    private boolean started;
    private long suppressed;

    /** @param perSecond lines a second at most; 0 for no limit */
    EventLogLimit(long perSecond) {
        if (perSecond < 0) {
            throw new IllegalArgumentException("event log lines per second must be 0 (no limit) or more: " + perSecond);
        }
        this.perSecond = perSecond;
        this.tokens = perSecond;
    }

    /** True when a line may be logged at monotonic time {@code nowNanos}; false counts it as left out. */
    boolean admit(long nowNanos) {
        if (perSecond == 0) {
            return true;
        }
        if (started) {
            tokens = Math.min(perSecond, tokens + (nowNanos - lastNanos) / 1e9 * perSecond);
        }
        started = true;
        lastNanos = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        suppressed++;
        return false;
    }

    @Override
    public String toString() {
        return Long.toString(perSecond);
    }

    /** The lines left out since the last call (0 when none): for a summary line. */
    long takeSuppressed() {
        long n = suppressed;
        suppressed = 0;
        return n;
    }
}
