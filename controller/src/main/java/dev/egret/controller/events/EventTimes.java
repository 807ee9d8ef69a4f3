package dev.egret.controller.events;

import dev.egret.audit.AuditEvent;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The controller's check of an event's {@code time}: not more than {@link #MAX_AHEAD} ahead of the controller's clock.
 * An event from far in the future would sort first in every listing and keep its audit segment from ever expiring.
 * Old events are accepted: nodes deliver their journal late after an outage.
 */
public final class EventTimes {
    /** How far ahead of the controller's clock an event's time may be (clock skew between node and controller). */
    public static final Duration MAX_AHEAD = Duration.ofHours(1);

    private EventTimes() {
    }

    /** {@code time: ...} when the event's time is too far ahead of {@code now}, else empty. */
    public static Optional<String> problem(AuditEvent e, Instant now) {
        if (e.time().isAfter(now.plus(MAX_AHEAD))) {
            return Optional.of("time: " + e.time() + " is more than " + MAX_AHEAD.toMinutes()
                    + " minutes ahead of the controller's clock (" + now + ")");
        }
        return Optional.empty();
    }
}
