package dev.egret.libbpf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A unique bpffs pin directory, a unique cgroup under the cgroup2 mount and the compiled objects, all removed on
 * close. For the libbpf binding kernel tests.
 */
final class KernelFixture implements AutoCloseable {
    final String name = "egret-test-libbpf-" + UUID.randomUUID().toString().substring(0, 8);
    final Path pinDir = Path.of("/sys/fs/bpf").resolve(name);
    final Path cgroup = cgroup2Mount().resolve(name);
    private final Path objects;

    KernelFixture() throws IOException {
        objects = Files.createTempDirectory(name);
        Files.createDirectories(pinDir);
        Files.createDirectory(cgroup);
    }

    /** The compiled object {@code /bpf/<name>.bpf.o} from the egret-bpf jar, as a file libbpf can open. */
    Path object(String name) throws IOException {
        Path out = objects.resolve(name + ".bpf.o");
        if (!Files.exists(out)) {
            try (InputStream in = KernelFixture.class.getResourceAsStream("/bpf/" + name + ".bpf.o")) {
                if (in == null) {
                    throw new IllegalStateException("/bpf/" + name + ".bpf.o is not on the classpath (build egret-bpf)");
                }
                Files.copy(in, out);
            }
        }
        return out;
    }

    /** The cgroup id the kernel reports for the test cgroup (the directory's inode on cgroup2). */
    long cgroupId() throws IOException {
        return (Long) Files.getAttribute(cgroup, "unix:ino");
    }

    /** Runs bash in the test cgroup: it moves itself there, then runs {@code script}. */
    Process bashInCgroup(String script) throws IOException {
        return new ProcessBuilder("bash", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs") + " && " + script)
                .redirectErrorStream(true).start();
    }

    static Path cgroup2Mount() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/mounts"))) {
            return lines.map(l -> l.split(" ")).filter(f -> f.length > 2 && f[2].equals("cgroup2"))
                    .map(f -> Path.of(f[1])).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no cgroup2 mount in /proc/mounts"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The BPF objects and cgroup or bpffs directories this process holds open, sorted. */
    static List<String> openBpfFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(KernelFixture::target)
                    .filter(t -> t.startsWith("anon_inode:bpf") || t.startsWith("/sys/fs/cgroup") || t.startsWith("/sys/fs/bpf"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String target(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws Exception {
        deleteTree(pinDir);
        deleteTree(objects);
        for (int i = 0; Files.exists(cgroup); i++) {
            try {
                Files.delete(cgroup); // rmdir: EBUSY until the last process in it has exited
            } catch (IOException e) {
                if (i > 100) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
