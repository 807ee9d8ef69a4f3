package dev.egret.node.datapath;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which learned entries a sweep deletes: those the kernel no longer honours (expired) and those of cgroups that are
 * no longer bound (nobody can use them). Two steps, because the DNS proxy may refresh an entry in between: a scan
 * names candidates, then each is deleted only if the entry as it is then, read again by the single writer, still
 * qualifies. Pure; times are CLOCK_MONOTONIC nanoseconds, as {@code bpf_ktime_get_ns}.
 */
public final class LearnedSweep {
    private LearnedSweep() {
    }

    /**
     * What a scan reads of a learned entry. The entry itself ({@link #ip()}) is asked for only when it is a candidate,
     * so a pass over a full map under its lock builds nothing for the entries that stay.
     */
    public interface Entry {
        long cgroupId();

        long expiresNanos();

        LearnedIp ip();
    }

    /**
     * What a scan found.
     *
     * @param candidates    entries to delete if they are still stale when confirmed
     * @param livePerCgroup entries still in force, per bound cgroup (every bound cgroup present, 0 when none)
     */
    public record Scan(List<LearnedIp> candidates, Map<Long, Long> livePerCgroup) {
        public Scan {
            candidates = List.copyOf(candidates);
            livePerCgroup = Map.copyOf(livePerCgroup);
        }
    }

    /** True when nobody can use the entry any more: expired, or its cgroup is not bound. */
    public static boolean stale(Entry entry, long nowNanos, Set<Long> boundCgroups) {
        return entry.expiresNanos() <= nowNanos || !boundCgroups.contains(entry.cgroupId());
    }

    /** The entries may be one object reused for each (a cursor): only their {@link Entry#ip()} is kept. */
    public static Scan scan(Iterable<? extends Entry> entries, long nowNanos, Set<Long> boundCgroups) {
        List<LearnedIp> candidates = new ArrayList<>();
        Map<Long, Long> live = new HashMap<>();
        boundCgroups.forEach(cg -> live.put(cg, 0L));
        for (Entry e : entries) {
            if (stale(e, nowNanos, boundCgroups)) {
                candidates.add(e.ip());
            } else {
                live.merge(e.cgroupId(), 1L, Long::sum);
            }
        }
        return new Scan(candidates, live);
    }

    /** Whether to delete a candidate, given its entry as read again now (empty: already gone). */
    public static boolean confirm(Optional<LearnedIp> current, long nowNanos, Set<Long> boundCgroups) {
        return current.isPresent() && stale(current.get(), nowNanos, boundCgroups);
    }
}
