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
 * Folds repeated events (same workload, kind, destination, port, protocol, rule and verdict) of one window into one
 * event with a count, so a busy workload's traffic costs one journal line per destination and window. An allowed
 * event is held until its window closes, then stored with its repeats. A denied or audit-denied event is stored at
 * once, and its repeats within a shorter window are stored as one more event when that window closes (their count,
 * first and last time): a workload retrying a denied connect in a tight loop is reported at once and counted in full
 * without one entry per attempt. Pure; time is an argument. Not thread-safe.
 */
public final class EventFolder {
    private record Key(String workload, AuditEvent.Kind kind, String name, String address, int port, String protocol,
                       String rule, Verdict verdict) {
    }

    /** A window's first event and its repeats so far: updated in place (a busy key allocates nothing per repeat). */
    private static final class Open {
        final AuditEvent first;
        final Instant opened;
        /** The first event went out when the window opened (denied): the window reports only its repeats. */
        final boolean reported;
        long more;
        /** The latest repeat's time, as seconds and nanos (no Instant kept: it would be a young object in an old one). */
        long lastSeconds;
        int lastNanos;
        /** The first repeat's time (reported windows only). */
        long firstRepeatSeconds;
        int firstRepeatNanos;

        Open(AuditEvent first, Instant opened, boolean reported) {
            this.first = first;
            this.opened = opened;
            this.reported = reported;
            this.lastSeconds = first.time().getEpochSecond();
            this.lastNanos = first.time().getNano();
        }

        void repeat(long count, Instant at) {
            long s = at.getEpochSecond();
            if (more == 0) {
                firstRepeatSeconds = s;
                firstRepeatNanos = at.getNano();
            }
            more += count;
            if (s > lastSeconds || s == lastSeconds && at.getNano() > lastNanos) {
                lastSeconds = s;
                lastNanos = at.getNano();
            }
        }

        /** What the window leaves to store when it closes; null when that is nothing. */
        AuditEvent event() {
            Instant last = Instant.ofEpochSecond(lastSeconds, lastNanos);
            if (reported) {
                return more == 0 ? null : first.repeats(more, Instant.ofEpochSecond(firstRepeatSeconds, firstRepeatNanos), last);
            }
            return more == 0 ? first : first.plus(more, last);
        }
    }

    private final Duration window;
    private final Duration deniedWindow;
    private final int maxOpen;
    private final Map<Key, Open> open = new LinkedHashMap<>();

    /** Denied repeats are folded for at most one second (or {@code window} when shorter). */
    public EventFolder(Duration window, int maxOpen) {
        this(window, window.compareTo(Duration.ofSeconds(1)) < 0 ? window : Duration.ofSeconds(1), maxOpen);
    }

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
        Key k = new Key(e.workload(), e.kind(), e.name(), e.address(), e.port(), e.protocol(), Objects.toString(e.rule()),
                e.verdict());
        Open o = open.get(k);
        if (o != null) {
            o.repeat(e.count(), e.time());
            return List.of();
        }
        List<AuditEvent> out = new ArrayList<>();
        if (open.size() >= maxOpen) {
            out.addAll(drain());
        }
        boolean denied = e.verdict() != Verdict.ALLOW;
        open.put(k, new Open(e, now, denied));
        if (denied) {
            out.add(e);
        }
        return out;
    }

    /** The folded events whose window has closed by {@code now}, oldest first. */
    public List<AuditEvent> due(Instant now) {
        List<AuditEvent> out = new ArrayList<>();
        for (Iterator<Open> it = open.values().iterator(); it.hasNext(); ) {
            Open o = it.next();
            if (!o.opened.plus(o.reported ? deniedWindow : window).isAfter(now)) {
                AuditEvent e = o.event();
                if (e != null) {
                    out.add(e);
                }
                it.remove();
            }
        }
        return out;
    }

    /** Everything still open (on shutdown, or when the folder is full). */
    public List<AuditEvent> drain() {
        List<AuditEvent> out = new ArrayList<>();
        for (Open o : open.values()) {
            AuditEvent e = o.event();
            if (e != null) {
                out.add(e);
            }
        }
        open.clear();
        return out;
    }
}
