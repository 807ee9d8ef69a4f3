package dev.egret.node.audit;

import dev.egret.audit.AuditEvent;
import dev.egret.policy.Verdict;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Folds repeated events of one window into one event with a count, so a busy workload's traffic costs one journal line
 * per destination and window. An allowed event (same workload, kind, destination, port, protocol and rule) is held
 * until its window closes, then stored with its repeats. A denied or audit-denied event is stored at once, and its
 * repeats within a shorter window (same as above and the same cgroup, command and query type) are stored as one more
 * event when that window closes, with their count and their first and last time: a workload retrying a denied connect
 * in a tight loop is reported at once and counted in full without one entry per attempt. Denied keys have their own
 * bound: when it is reached (a port scan), denied events go through unfolded and allowed folds are left alone. Pure;
 * time is an argument. Not thread-safe.
 */
public final class EventFolder {
    private record Key(String workload, AuditEvent.Kind kind, String name, String address, int port, String protocol,
                       String rule, Verdict verdict, long cgroupId, String command, String queryType) {
        static Key of(AuditEvent e) {
            boolean denied = e.verdict() != Verdict.ALLOW;
            return new Key(e.workload(), e.kind(), e.name(), e.address(), e.port(), e.protocol(), Objects.toString(e.rule()),
                    e.verdict(), denied ? e.cgroupId() : 0, denied ? e.command() : null, denied ? e.queryType() : null);
        }
    }

    /** A window's first event and its repeats so far: updated in place (a busy key allocates nothing per repeat). */
    private static final class Open {
        final AuditEvent first;
        final Instant opened;
        /** The first event went out when the window opened (denied): the window reports only its repeats. */
        final boolean reported;
        long more;
        /** The latest and the earliest occurrence folded in, as seconds and nanos (no Instant kept in an old object). */
        long lastSeconds;
        int lastNanos;
        long earliestSeconds;
        int earliestNanos;

        Open(AuditEvent first, Instant opened, boolean reported) {
            this.first = first;
            this.opened = opened;
            this.reported = reported;
            this.lastSeconds = first.time().getEpochSecond();
            this.lastNanos = first.time().getNano();
            this.earliestSeconds = first.firstSeen().getEpochSecond();
            this.earliestNanos = first.firstSeen().getNano();
        }

        void repeat(long count, Instant at) {
            long s = at.getEpochSecond();
            if (more == 0 && reported) { // the repeats' own span starts with the first of them
                earliestSeconds = s;
                earliestNanos = at.getNano();
                lastSeconds = s;
                lastNanos = at.getNano();
            }
            more += count;
            if (s > lastSeconds || s == lastSeconds && at.getNano() > lastNanos) {
                lastSeconds = s;
                lastNanos = at.getNano();
            }
            if (s < earliestSeconds || s == earliestSeconds && at.getNano() < earliestNanos) {
                earliestSeconds = s;
                earliestNanos = at.getNano();
            }
        }

        /** What the window leaves to store when it closes; null when that is nothing. */
        AuditEvent event() {
            Instant last = Instant.ofEpochSecond(lastSeconds, lastNanos);
            if (reported) {
                return more == 0 ? null : first.repeats(more, Instant.ofEpochSecond(earliestSeconds, earliestNanos), last);
            }
            return more == 0 ? first : first.plus(more, last);
        }
    }

    private final Duration window;
    private final Duration deniedWindow;
    private final int maxOpen;
    private final Map<Key, Open> open = new LinkedHashMap<>();
    private final Map<Key, Open> openDenied = new LinkedHashMap<>();

    /** Denied repeats are folded for at most one second (or {@code window} when shorter). */
    public EventFolder(Duration window, int maxOpen) {
        this(window, window.compareTo(Duration.ofSeconds(1)) < 0 ? window : Duration.ofSeconds(1), maxOpen);
    }

    /** @param maxOpen keys folded at once, allowed and denied each */
    public EventFolder(Duration window, Duration deniedWindow, int maxOpen) {
        if (window.isNegative() || window.isZero() || deniedWindow.isNegative() || deniedWindow.isZero() || maxOpen < 1) {
            throw new IllegalArgumentException("a fold window must be positive and hold at least one key");
        }
        this.window = window;
        this.deniedWindow = deniedWindow;
        this.maxOpen = maxOpen;
    }

    /** Takes an event; returns what is ready to store now (a denied event at once, unless it is a repeat). */
    public List<AuditEvent> offer(AuditEvent e, Instant now) {
        boolean denied = e.verdict() != Verdict.ALLOW;
        Map<Key, Open> folds = denied ? openDenied : open;
        Key k = Key.of(e);
        Open o = folds.get(k);
        if (o != null) {
            o.repeat(e.count(), e.time());
            return List.of();
        }
        if (denied) {
            if (folds.size() < maxOpen) { // else it goes through unfolded: allowed folds are not flushed for it
                folds.put(k, new Open(e, now, true));
            }
            return List.of(e);
        }
        List<AuditEvent> out = folds.size() >= maxOpen ? closeAll(folds) : new ArrayList<>();
        folds.put(k, new Open(e, now, false));
        return out;
    }

    /** The folded events whose window has closed by {@code now}, oldest first (denied repeats first). */
    public List<AuditEvent> due(Instant now) {
        List<AuditEvent> out = new ArrayList<>();
        closeDue(openDenied, now.minus(deniedWindow), out);
        closeDue(open, now.minus(window), out);
        return out;
    }

    private static void closeDue(Map<Key, Open> folds, Instant openedBy, List<AuditEvent> out) {
        for (Iterator<Open> it = folds.values().iterator(); it.hasNext(); ) {
            Open o = it.next();
            if (!o.opened.isAfter(openedBy)) {
                AuditEvent e = o.event();
                if (e != null) {
                    out.add(e);
                }
                it.remove();
            }
        }
    }

    /** Everything still open (on shutdown). */
    public List<AuditEvent> drain() {
        List<AuditEvent> out = closeAll(openDenied);
        out.addAll(closeAll(open));
        return out;
    }

    private static List<AuditEvent> closeAll(Map<Key, Open> folds) {
        List<AuditEvent> out = new ArrayList<>();
        for (Open o : folds.values()) {
            AuditEvent e = o.event();
            if (e != null) {
                out.add(e);
            }
        }
        folds.clear();
        return out;
    }
}
