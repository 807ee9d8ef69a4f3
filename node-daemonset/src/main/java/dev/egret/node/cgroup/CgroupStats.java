package dev.egret.node.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Usage of any cgroup by its path relative to the roots: cgroup2 files first, then the v1 hierarchy of a controller. */
public final class CgroupStats {
    private CgroupStats() {
    }

    public static CgroupUsage read(CgroupMounts mounts, String rel) {
        Path v2 = mounts.v2Root().resolve(rel);
        long mem = first(v2.resolve("memory.current"), mounts.v1("memory").map(m -> m.resolve(rel).resolve("memory.usage_in_bytes")).orElse(null));
        long limit = limit(v2.resolve("memory.max"), mounts.v1("memory").map(m -> m.resolve(rel).resolve("memory.limit_in_bytes")).orElse(null));
        long pids = first(v2.resolve("pids.current"), mounts.v1("pids").map(m -> m.resolve(rel).resolve("pids.current")).orElse(null));
        double cpu = -1;
        try {
            Path stat = v2.resolve("cpu.stat");
            if (Files.exists(stat)) {
                for (String line : Files.readAllLines(stat)) {
                    if (line.startsWith("usage_usec ")) {
                        cpu = Long.parseLong(line.substring(11).strip()) / 1e6;
                    }
                }
            }
            Path acct = mounts.v1("cpuacct").map(m -> m.resolve(rel).resolve("cpuacct.usage")).orElse(null);
            if (cpu < 0 && acct != null && Files.exists(acct)) {
                cpu = Long.parseLong(Files.readString(acct).strip()) / 1e9;
            }
        } catch (IOException | NumberFormatException e) {
            cpu = -1;
        }
        return new CgroupUsage(mem, limit, cpu, pids);
    }

    private static long first(Path a, Path b) {
        for (Path p : new Path[]{a, b}) {
            if (p != null && Files.exists(p)) {
                try {
                    return Long.parseLong(Files.readString(p).strip());
                } catch (IOException | NumberFormatException ignored) {
                    // try the next
                }
            }
        }
        return -1;
    }

    private static long limit(Path a, Path b) {
        for (Path p : new Path[]{a, b}) {
            if (p != null && Files.exists(p)) {
                try {
                    String s = Files.readString(p).strip();
                    if (s.equals("max")) {
                        return -1;
                    }
                    long v = Long.parseLong(s);
                    return v >= Long.MAX_VALUE / 2 ? -1 : v;
                } catch (IOException | NumberFormatException ignored) {
                    // try the next
                }
            }
        }
        return -1;
    }
}
