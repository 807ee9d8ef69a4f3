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
     * True when the entry in the map already allows what {@code fresh} would, on every port of it, for at least half
     * of {@code fresh}'s remaining lifetime: then the answer needs no write (an address answered often is written
     * again at most once per half lifetime, and the answer is released without waiting for the datapath).
     */
    public static boolean covers(Optional<LearnedIp> current, LearnedIp fresh, long nowNanos) {
        if (current.isEmpty()) {
            return false;
        }
        LearnedIp c = current.get();
        long freshLeft = fresh.expiresNanos() - nowNanos;
        long left = c.expiresNanos() - nowNanos;
        if (freshLeft <= 0 || left <= 0 || left < freshLeft / 2) {
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
        TreeSet<PortRange> ports = new TreeSet<>(fresh.ports().ranges());
        ports.addAll(old.ports().ranges());
        RuleValue union = ports.contains(PortRange.ALL) || ports.size() <= KernelContract.MAX_PORT_RANGES
                ? new RuleValue(ports) : fresh.ports(); // too many ranges for the kernel: the newest answer's ports win
        return new LearnedIp(fresh.cgroupId(), fresh.address(), Math.max(old.expiresNanos(), fresh.expiresNanos()), union);
    }
}
