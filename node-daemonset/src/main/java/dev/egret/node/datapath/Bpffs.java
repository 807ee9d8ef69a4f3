package dev.egret.node.datapath;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Makes sure a bpffs is mounted at /sys/fs/bpf before pinning under it. */
final class Bpffs {
    private Bpffs() {
    }

    static void ensureMounted(Path pinDir) {
        if (!pinDir.startsWith("/sys/fs/bpf")) {
            return;
        }
        try {
            boolean mounted = Files.readAllLines(Path.of("/proc/mounts")).stream()
                    .map(l -> l.split(" "))
                    .anyMatch(f -> f.length > 2 && f[1].equals("/sys/fs/bpf") && f[2].equals("bpf"));
            if (!mounted) {
                Files.createDirectories(Path.of("/sys/fs/bpf"));
                Process p = new ProcessBuilder("mount", "-t", "bpf", "bpf", "/sys/fs/bpf").inheritIO().start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("cannot mount bpffs at /sys/fs/bpf (mount exited " + p.exitValue() + ")");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while mounting bpffs", e);
        }
    }
}
