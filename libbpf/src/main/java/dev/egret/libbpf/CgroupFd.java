package dev.egret.libbpf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Opens a cgroup directory read-only for attaching, through /proc/self/fd of a Java channel. */
final class CgroupFd {
    private CgroupFd() {
    }

    /** A new fd on the directory, owned by the caller. */
    static int open(Path dir) {
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new UncheckedIOException(new IOException("not a cgroup directory: " + dir));
        }
        return dev.egret.libbpf.internal.DirFd.open(dir);
    }
}
