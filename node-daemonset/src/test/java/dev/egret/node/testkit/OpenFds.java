package dev.egret.node.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The BPF objects (maps, programs, links) and cgroup directories this process holds open. */
public final class OpenFds {
    private OpenFds() {
    }

    /** Targets of /proc/self/fd entries that are BPF objects or cgroup directories, sorted. */
    public static List<String> bpfAndCgroup() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(OpenFds::target)
                    .filter(t -> t.startsWith("anon_inode:bpf") || t.startsWith("/sys/fs/cgroup") || t.startsWith("/sys/fs/bpf"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String target(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return ""; // closed while listing
        }
    }
}
