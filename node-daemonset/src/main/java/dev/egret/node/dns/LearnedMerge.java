package dev.egret.node.dns;

import dev.egret.node.datapath.KernelContract;
import dev.egret.node.datapath.LearnedIp;
import dev.egret.node.datapath.PortRange;
import dev.egret.node.datapath.RuleValue;

import java.util.Optional;
import java.util.TreeSet;

/**
 * One address learned again: several allowed names (or answers) may share an address, so a new answer extends
 * what is still in force (the later deadline, the union of ports) rather than cutting it short. Pure.
 */
public final class LearnedMerge {
    private LearnedMerge() {
    }

    /**
     * True when the entry in the map already allows what {@code fresh} would, on every port of it, until at least
     * {@code slackNanos} before {@code fresh} would expire: then the answer needs no write and is released at once.
     * With the grace period as slack, the entry outlives the answer's (clamped) TTL, so a client that caches the
     * answer can use it to its end; an address answered often is written again at most once per grace period.
     */
    public static boolean covers(Optional<LearnedIp> current, LearnedIp fresh, long nowNanos, long slackNanos) {
        if (current.isEmpty() || fresh.expiresNanos() <= nowNanos) {
            return false;
        }
        LearnedIp c = current.get();
        if (c.expiresNanos() <= nowNanos || c.expiresNanos() < fresh.expiresNanos() - slackNanos) {
            return false;
        }
        return c.ports().ranges().contains(PortRange.ALL) || c.ports().ranges().containsAll(fresh.ports().ranges());
    }

    /** What to write for {@code fresh}, given the entry in the map (if any) at monotonic time {@code nowNanos}. */
    public static LearnedIp merge(Optional<LearnedIp> current, LearnedIp fresh, long nowNanos) {
        if (current.isEmpty() || current.get().expiresNanos() <= nowNanos) {
            return fresh;
        }
        LearnedIp old = current.get();
        RuleValue union;
        if (old.ports().equals(fresh.ports()) || old.ports().ranges().containsAll(fresh.ports().ranges())) {
            union = old.ports(); // nothing new: the value in force, not a copy of it
        } else {
            TreeSet<PortRange> ports = new TreeSet<>(fresh.ports().ranges());
            ports.addAll(old.ports().ranges());
            union = ports.contains(PortRange.ALL) || ports.size() <= KernelContract.MAX_PORT_RANGES
                    ? new RuleValue(ports) : fresh.ports(); // too many ranges for the kernel: the newest answer's ports win
        }
        return new LearnedIp(fresh.cgroupId(), fresh.address(), Math.max(old.expiresNanos(), fresh.expiresNanos()), union);
    }
}
