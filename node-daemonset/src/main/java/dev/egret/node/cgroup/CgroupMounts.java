package dev.egret.node.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the cgroup hierarchies are mounted, read from /proc/mounts: the cgroup2 root, and for a hybrid layout the
 * cgroup v1 hierarchy of each controller. Never hard-coded.
 *
 * @param v2Root        the cgroup2 mount
 * @param v1Controllers controller name to the v1 mount that holds it (empty on a pure cgroup2 host)
 */
public record CgroupMounts(Path v2Root, Map<String, Path> v1Controllers) {
    public CgroupMounts {
        v1Controllers = Map.copyOf(v1Controllers);
    }

    public static CgroupMounts fromProc() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/mounts")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/mounts", e);
        }
    }

    /** Parses /proc/mounts lines; throws when no cgroup2 hierarchy is mounted. */
    public static CgroupMounts parse(List<String> lines) {
        Path v2 = null;
        Map<String, Path> v1 = new HashMap<>();
        Set<String> known = Set.of("memory", "cpu", "cpuacct", "pids", "cpuset", "blkio", "devices", "freezer",
                "net_cls", "net_prio", "hugetlb", "perf_event", "rdma", "misc");
        for (String line : lines) {
            String[] f = line.split(" ");
            if (f.length < 4) {
                continue;
            }
            Path mount = Path.of(unescape(f[1]));
            if (f[2].equals("cgroup2") && v2 == null) {
                v2 = mount;
            } else if (f[2].equals("cgroup")) {
                for (String opt : f[3].split(",")) {
                    if (known.contains(opt)) {
                        v1.putIfAbsent(opt, mount);
                    }
                }
            }
        }
        if (v2 == null) {
            throw new IllegalStateException("no cgroup2 hierarchy is mounted (see /proc/mounts); Egret needs cgroup v2");
        }
        return new CgroupMounts(v2, v1);
    }

    public Optional<Path> v1(String controller) {
        return Optional.ofNullable(v1Controllers.get(controller));
    }

    /** /proc/mounts escapes spaces and similar as octal. */
    private static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                try {
                    out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException | StringIndexOutOfBoundsException ignored) {
                    // not an escape
                }
            }
            out.append(c);
        }
        return out.toString();
    }
}
