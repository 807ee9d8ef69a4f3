package dev.egret.node.run;

import dev.egret.libbpf.BpfMap;
import dev.egret.node.cgroup.CgroupMounts;
import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.datapath.KernelContract;
import dev.egret.node.datapath.WorkloadEntry;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Removes what earlier {@code egret run}s left when they were killed without a chance to clean up: their pins
 * ({@code <pin dir>/run-*}) and cgroups ({@code <cgroup parent>/run-*}, with their v1 mirrors), once their command
 * has exited too (see {@link StaleRun}). The cgroup goes first: the kernel refuses to remove a cgroup that has
 * processes, so a command that is still running keeps its enforcement even against a race.
 */
final class StaleRuns {
    private StaleRuns() {
    }

    static void sweep(CgroupMounts mounts, Path pinRoot, String cgroupParent, PrintStream err) {
        Path parent = mounts.v2Root().resolve(cgroupParent);
        Set<String> names = new TreeSet<>(runDirs(pinRoot));
        names.addAll(runDirs(parent));
        for (String name : names) {
            try {
                if (removeIfLeftOver(mounts, pinRoot.resolve(name), parent.resolve(name))) {
                    err.println("egret: removed the pins and cgroup of " + name + ", left by an egret run that was killed"
                            + " (its command has exited)");
                }
            } catch (NoSuchFileException e) {
                // another egret run removed it meanwhile
            } catch (IOException | RuntimeException e) {
                err.println("egret: note: cannot remove what " + name + " left behind: " + e.getMessage());
            }
        }
    }

    private static boolean removeIfLeftOver(CgroupMounts mounts, Path pins, Path cgroup) throws IOException {
        long pid = StaleRun.ownerPid(pins.getFileName().toString()).orElseThrow();
        Optional<ProcessHandle> owner = ProcessHandle.of(pid);
        Instant created = Stream.of(pins, cgroup).filter(Files::isDirectory).map(StaleRuns::modified)
                .max(Comparator.naturalOrder()).orElse(Instant.EPOCH);
        Path located = Files.isDirectory(cgroup) ? cgroup : cgroupOfPins(mounts.v2Root(), pins).orElse(null);
        StaleRun run = new StaleRun(pins.getFileName().toString(), owner.isPresent(),
                owner.flatMap(h -> h.info().startInstant()).orElse(null), created,
                located != null && populated(located));
        if (!run.leftOver()) {
            return false;
        }
        if (located != null) {
            removeTree(located);
            String rel = mounts.v2Root().relativize(located).toString();
            for (Path v1 : new HashSet<>(mounts.v1Controllers().values())) {
                removeTree(v1.resolve(rel));
            }
        }
        EgretDatapath.uninstall(pins);
        return true;
    }

    private static List<String> runDirs(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> StaleRun.ownerPid(n).isPresent()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Instant modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toInstant();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A cgroup has processes, it or a descendant ({@code populated} of cgroup.events). */
    static boolean populated(Path cgroup) {
        try {
            for (String line : Files.readAllLines(cgroup.resolve("cgroup.events"))) {
                if (line.startsWith("populated ")) {
                    return !line.endsWith(" 0");
                }
            }
            return true;
        } catch (IOException e) {
            return Files.isDirectory(cgroup); // cannot tell: treat it as in use
        }
    }

    /**
     * The cgroup a run's pins police, when it is not where this run would have made it (another --cgroup-parent):
     * the ids in its workload map, looked up in the cgroup2 hierarchy. Empty when none exists any more.
     */
    private static Optional<Path> cgroupOfPins(Path v2Root, Path pins) throws IOException {
        Path map = pins.resolve(KernelContract.MAP_WORKLOADS);
        if (!Files.exists(map)) {
            return Optional.empty();
        }
        Set<Long> ids = new HashSet<>();
        try (BpfMap m = BpfMap.openPinned(KernelContract.MAP_WORKLOADS, map)) {
            m.keys().forEach(k -> ids.add(WorkloadEntry.cgroupIdOf(k)));
        }
        List<Path> found = new ArrayList<>();
        Files.walkFileTree(v2Root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (ids.contains(((Number) Files.getAttribute(dir, "unix:ino")).longValue())) {
                    found.add(dir);
                    return FileVisitResult.TERMINATE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                return FileVisitResult.CONTINUE;
            }
        });
        return found.stream().findFirst();
    }

    /** Removes a cgroup and its descendants, deepest first; fails on one that has processes. */
    private static void removeTree(Path cgroup) throws IOException {
        if (!Files.isDirectory(cgroup)) {
            return;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.walk(cgroup)) {
            dirs = s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
        }
        for (Path d : dirs) {
            Files.deleteIfExists(d);
        }
    }
}
