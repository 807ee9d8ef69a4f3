package dev.egret.controller.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * What a node agent last said about itself.
 *
 * @param appliedResourceVersion the policy store version the node enforces, or null before its first sync
 * @param lastSeen               when the controller last heard from it (the controller's clock)
 * @param subject                the subject of the token it registered with
 */
public record NodeRegistration(String name, String version, String appliedResourceVersion, boolean ready,
                               Instant lastSeen, String subject) {

    /** {@code ready}: seen within {@code staleAfter} and ready; {@code not-ready}: seen, not ready; {@code stale}. */
    public enum State {
        READY, NOT_READY, STALE;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public State state(Instant now, Duration staleAfter) {
        if (lastSeen.plus(staleAfter).isBefore(now)) {
            return State.STALE;
        }
        return ready ? State.READY : State.NOT_READY;
    }

    boolean sameReport(NodeRegistration o) {
        return o != null && java.util.Objects.equals(version, o.version)
                && java.util.Objects.equals(appliedResourceVersion, o.appliedResourceVersion)
                && ready == o.ready && java.util.Objects.equals(subject, o.subject);
    }
}
