package dev.egret.node.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Writes resource limits into any cgroup by its path relative to the roots: the cgroup2 file when the controller is
 * enabled there, else the cgroup v1 file of the same path (a hybrid host, where systemd mirrors its units in each
 * v1 hierarchy). A file that already holds the value is not written again.
 */
public final class CgroupLimitFiles {
    private CgroupLimitFiles() {
    }

    /** Applies the limits; returns what could not be applied, with the reason (empty when all were). */
    public static List<String> apply(CgroupMounts mounts, String rel, CgroupLimits l) {
        List<String> problems = new ArrayList<>();
        if (l.memoryBytes() > 0) {
            set(mounts, rel, "memory", "memory.max", "memory.limit_in_bytes", Long.toString(l.memoryBytes()), problems);
        }
        if (l.cpuMillis() > 0) {
            Path v2 = mounts.v2Root().resolve(rel).resolve("cpu.max");
            if (Files.exists(v2)) {
                write(v2, l.cpuMax(), problems);
            } else {
                Optional<Path> v1 = mounts.v1("cpu").map(m -> m.resolve(rel)).filter(Files::isDirectory);
                if (v1.isPresent()) {
                    write(v1.get().resolve("cpu.cfs_period_us"), Long.toString(CgroupLimits.CPU_PERIOD_US), problems);
                    write(v1.get().resolve("cpu.cfs_quota_us"), Long.toString(l.cpuQuotaMicros()), problems);
                } else {
                    problems.add(unavailable(rel, "cpu"));
                }
            }
        }
        if (l.pids() > 0) {
            set(mounts, rel, "pids", "pids.max", "pids.max", Long.toString(l.pids()), problems);
        }
        return problems;
    }

    private static void set(CgroupMounts mounts, String rel, String controller, String v2File, String v1File,
                            String value, List<String> problems) {
        Path v2 = mounts.v2Root().resolve(rel).resolve(v2File);
        if (Files.exists(v2)) {
            write(v2, value, problems);
            return;
        }
        Optional<Path> v1 = mounts.v1(controller).map(m -> m.resolve(rel).resolve(v1File)).filter(Files::exists);
        if (v1.isPresent()) {
            write(v1.get(), value, problems);
        } else {
            problems.add(unavailable(rel, controller));
        }
    }

    private static String unavailable(String rel, String controller) {
        return "cannot limit " + controller + " of " + rel + ": the " + controller
                + " controller is neither enabled for it in cgroup2 nor mirrored in a cgroup v1 hierarchy";
    }

    private static void write(Path f, String value, List<String> problems) {
        try {
            if (Files.readString(f, StandardCharsets.US_ASCII).strip().equals(value)) {
                return;
            }
            Files.writeString(f, value, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            problems.add("cannot write " + value + " to " + f + ": " + e.getMessage());
        }
    }
}
