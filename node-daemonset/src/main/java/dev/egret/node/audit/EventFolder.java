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
 * Folds repeated allowed events (same workload, kind, destination, port, protocol, rule) of one window into one event
 * with a count, so a busy workload's allowed traffic costs one journal line per destination and window. Denied and
 * audit-denied events are never folded: each is its own entry. Pure; time is an argument. Not thread-safe.
 */
public final class EventFolder {
    private record Key(String workload, AuditEvent.Kind kind, String name, String address, int port, String protocol,
                       String rule) {
    }

    /** A window's first event and its repeats so far: updated in place (a busy key allocates nothing per repeat). */
    private static final class Open {
        final AuditEvent first;
        final Instant opened;
        long more;
        /** The latest repeat's time, as seconds and nanos (no Instant kept: it would be a young object in an old one). */
        long lastSeconds;
        int lastNanos;

        Open(AuditEvent first, Instant opened) {
            this.first = first;
            this.opened = opened;
            this.lastSeconds = first.time().getEpochSecond();
            this.lastNanos = first.time().getNano();
        }

        void repeat(long count, Instant at) {
            more += count;
            long s = at.getEpochSecond();
            if (s > lastSeconds || s == lastSeconds && at.getNano() > lastNanos) {
                lastSeconds = s;
                lastNanos = at.getNano();
            }
        }

        AuditEvent event() {
            return more == 0 ? first : first.plus(more, Instant.ofEpochSecond(lastSeconds, lastNanos));
        }
    }

    private final Duration window;
    private final int maxOpen;
    private final Map<Key, Open> open = new LinkedHashMap<>();

    public EventFolder(Duration window, int maxOpen) {
        if (window.isNegative() || window.isZero() || maxOpen < 1) {
            throw new IllegalArgumentException("a fold window must be positive and hold at least one key");
        }
        this.window = window;
        this.maxOpen = maxOpen;
    }

    /** Takes an event; returns what is ready to store now (the event itself unless it was folded). */
    public List<AuditEvent> offer(AuditEvent e, Instant now) {
        if (e.verdict() != Verdict.ALLOW) {
            return List.of(e);
        }
        Key k = new Key(e.workload(), e.kind(), e.name(), e.address(), e.port(), e.protocol(), Objects.toString(e.rule()));
        Open o = open.get(k);
        if (o != null) {
            o.repeat(e.count(), e.time());
            return List.of();
        }
        List<AuditEvent> out = new ArrayList<>();
        if (open.size() >= maxOpen) {
            out.addAll(drain());
        }
        open.put(k, new Open(e, now));
        return out;
    }

    /** The folded events whose window has closed by {@code now}, oldest first. */
    public List<AuditEvent> due(Instant now) {
        List<AuditEvent> out = new ArrayList<>();
        for (Iterator<Open> it = open.values().iterator(); it.hasNext(); ) {
            Open o = it.next();
            if (!o.opened.plus(window).isAfter(now)) {
                out.add(o.event());
                it.remove();
            }
        }
        return out;
    }

    /** Everything still open (on shutdown). */
    public List<AuditEvent> drain() {
        List<AuditEvent> out = open.values().stream().map(Open::event).toList();
        open.clear();
        return out;
    }
}
