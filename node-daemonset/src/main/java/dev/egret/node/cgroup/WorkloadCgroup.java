package dev.egret.node.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A workload's cgroup: a directory in the cgroup2 hierarchy (what the BPF programs key on), plus, on a hybrid host
 * whose memory, cpu or pids controllers live in cgroup v1, a mirror group in each such v1 hierarchy so the limits
 * still apply. A requested limit that can be applied nowhere is an error, never silently ignored.
 */
public final class WorkloadCgroup implements AutoCloseable {
    private final CgroupMounts mounts;
    private final String rel;
    private final Path v2Dir;
    private final Map<String, Path> v1Dirs; // controller -> mirror directory
    private final long id;
    private volatile boolean closed;

    private WorkloadCgroup(CgroupMounts mounts, String rel, Path v2Dir, Map<String, Path> v1Dirs) throws IOException {
        this.mounts = mounts;
        this.rel = rel;
        this.v2Dir = v2Dir;
        this.v1Dirs = v1Dirs;
        this.id = ((Number) Files.getAttribute(v2Dir, "unix:ino")).longValue();
    }

    /**
     * Creates {@code parent/name} (relative to the cgroup roots) and applies the limits.
     *
     * @throws CgroupException when the cgroup cannot be made or a requested limit cannot be applied
     */
    public static WorkloadCgroup create(CgroupMounts mounts, String parent, String name, CgroupLimits limits) {
        Path rel = Path.of(parent).resolve(name);
        Path v2 = mounts.v2Root().resolve(rel);
        Map<String, Path> v1 = new LinkedHashMap<>();
        try {
            Files.createDirectories(v2.getParent());
            Files.createDirectory(v2);
            List<String> needed = new ArrayList<>();
            if (limits.memoryBytes() > 0) {
                needed.add("memory");
            }
            if (limits.cpuMillis() > 0) {
                needed.add("cpu");
            }
            if (limits.pids() > 0) {
                needed.add("pids");
            }
            List<String> onV2 = controllers(mounts.v2Root());
            for (String c : needed) {
                if (onV2.contains(c)) {
                    enableDown(mounts.v2Root(), rel.getParent(), c);
                } else if (mounts.v1(c).isPresent()) {
                    Path dir = mounts.v1(c).get().resolve(rel);
                    Files.createDirectories(dir);
                    v1.put(c, dir);
                } else {
                    throw new CgroupException("cannot apply the " + c + " limit: the " + c
                            + " controller is in neither the cgroup2 nor a cgroup v1 hierarchy");
                }
            }
            WorkloadCgroup cg = new WorkloadCgroup(mounts, rel.toString(), v2, v1);
            try {
                cg.apply(limits);
            } catch (RuntimeException e) {
                cg.close();
                throw e;
            }
            return cg;
        } catch (IOException e) {
            for (Path d : v1.values()) {
                try {
                    Files.deleteIfExists(d);
                } catch (IOException ignored) {
                    // best effort
                }
            }
            try {
                Files.deleteIfExists(v2);
            } catch (IOException ignored) {
                // best effort
            }
            throw new CgroupException("cannot create workload cgroup " + v2 + ": " + e.getMessage(), e);
        }
    }

    private static List<String> controllers(Path dir) throws IOException {
        Path f = dir.resolve("cgroup.controllers");
        return Files.exists(f) ? List.of(Files.readString(f).strip().split("\\s+")) : List.of();
    }

    /** Enables a controller in the subtree_control of the root and each ancestor down to {@code parentRel}. */
    private static void enableDown(Path root, Path parentRel, String controller) throws IOException {
        Path dir = root;
        write(dir.resolve("cgroup.subtree_control"), "+" + controller);
        if (parentRel != null) {
            for (Path seg : parentRel) {
                dir = dir.resolve(seg);
                write(dir.resolve("cgroup.subtree_control"), "+" + controller);
            }
        }
    }

    private void apply(CgroupLimits l) {
        List<String> problems = CgroupLimitFiles.apply(mounts, rel, l);
        if (!problems.isEmpty()) {
            throw new CgroupException(String.join("; ", problems), null);
        }
    }

    /** The cgroup id the kernel reports for tasks in this cgroup (the cgroup2 directory's inode). */
    public long id() {
        return id;
    }

    public Path path() {
        return v2Dir;
    }

    /** The cgroup.procs files a process must join: the cgroup2 one first, then the v1 mirrors. */
    public List<Path> procsFiles() {
        List<Path> out = new ArrayList<>();
        out.add(v2Dir.resolve("cgroup.procs"));
        v1Dirs.values().forEach(d -> out.add(d.resolve("cgroup.procs")));
        return out;
    }

    public void addProcess(long pid) {
        for (Path f : procsFiles()) {
            try {
                write(f, Long.toString(pid));
            } catch (IOException e) {
                throw new CgroupException("cannot move pid " + pid + " into " + f + ": " + e.getMessage(), e);
            }
        }
    }

    public List<Long> processes() {
        try {
            return Files.readAllLines(v2Dir.resolve("cgroup.procs")).stream().filter(s -> !s.isBlank())
                    .map(Long::parseLong).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    public CgroupUsage usage() {
        return CgroupStats.read(mounts, rel);
    }

    /** Kills what is left in the cgroup and removes it and its mirrors. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        killAll();
        List<Path> dirs = new ArrayList<>(v1Dirs.values());
        dirs.add(v2Dir);
        for (Path d : dirs) {
            removeDir(d);
        }
    }

    /** Kills every process left in the cgroup and waits until it is empty. */
    public void terminate() {
        killAll();
    }

    private void killAll() {
        Path kill = v2Dir.resolve("cgroup.kill");
        for (int attempt = 0; attempt < 100 && !processes().isEmpty(); attempt++) {
            if (Files.exists(kill)) {
                try {
                    write(kill, "1");
                } catch (IOException ignored) {
                    // fall back to killing one by one
                }
            }
            for (long pid : processes()) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            sleep(20);
        }
    }

    private static void removeDir(Path d) {
        for (int attempt = 0; attempt < 100; attempt++) {
            try {
                Files.deleteIfExists(d);
                return;
            } catch (IOException e) {
                sleep(20); // EBUSY while the last tasks exit
            }
        }
        throw new CgroupException("cannot remove cgroup " + d + " (still busy)", null);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void write(Path f, String value) throws IOException {
        Files.writeString(f, value, StandardCharsets.US_ASCII);
    }
}
