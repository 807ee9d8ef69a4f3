package dev.egret.node.run;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An earlier {@code egret run} as found on disk (its {@code run-PID-XXXXXX} cgroup or pin directory), and whether
 * what it left may be removed: only when its egret is gone (killed with SIGKILL, say) and its command has exited.
 * While the command runs, its pinned programs keep enforcing on their own: that state is never removed. Pure.
 *
 * @param name         {@code run-PID-XXXXXX}
 * @param ownerRunning whether a process with the owner's pid exists
 * @param ownerStart   when that process started, or null when unknown
 * @param created      when the run's directory was last changed (it exists only after its egret started)
 * @param populated    whether the run's cgroup (or a descendant) still has processes
 */
public record StaleRun(String name, boolean ownerRunning, Instant ownerStart, Instant created, boolean populated) {
    private static final Pattern NAME = Pattern.compile("run-(\\d{1,10})-[0-9a-z]+");
    /** Process start times are known to the second (boot time) plus clock ticks: allow for that. */
    static final Duration CLOCK_SLACK = Duration.ofSeconds(2);

    /** The pid of the egret that made a run directory of this name, if it is one. */
    public static OptionalLong ownerPid(String name) {
        Matcher m = NAME.matcher(name);
        return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** The egret that made it is gone: no process has its pid, or the one that has started after the directory. */
    public boolean ownerGone() {
        return !ownerRunning || ownerStart != null && ownerStart.isAfter(created.plus(CLOCK_SLACK));
    }

    public boolean leftOver() {
        return ownerGone() && !populated;
    }
}
