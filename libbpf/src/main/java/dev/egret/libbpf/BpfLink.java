package dev.egret.libbpf;

import dev.egret.libbpf.internal.Fd;
import dev.egret.libbpf.internal.Syscalls;

import java.nio.file.Path;

/**
 * A BPF link attaching a program to a cgroup. Closing the link's fd detaches it unless it is pinned: a pinned
 * link keeps enforcing after the process that made it exits.
 */
public final class BpfLink implements AutoCloseable {
    private final Fd fd;

    private BpfLink(int fd) {
        this.fd = new Fd(fd);
    }

    /** Attaches {@code programFd} to the cgroup2 directory {@code cgroup} (multi-attach semantics). */
    public static BpfLink attachCgroup(int programFd, Path cgroup, AttachType type) {
        try (Fd cg = new Fd(CgroupFd.open(cgroup))) {
            return new BpfLink(Syscalls.linkCreate(programFd, cg.get(), type.kernelValue()));
        }
    }

    public static BpfLink openPinned(Path pin) {
        return new BpfLink(Syscalls.objGet(pin));
    }

    public void pin(Path path) {
        Syscalls.objPin(fd.get(), path);
    }

    /** The id (inode number) of the cgroup this link attaches to; 0 once it was detached. */
    public long cgroupId() {
        return Syscalls.linkCgroupId(fd.get());
    }

    /** The kernel's id of the program this link runs. */
    public long programId() {
        return Syscalls.linkProgramId(fd.get());
    }

    int fd() {
        return fd.get();
    }

    /** Detaches the program now, even while the link is pinned or held elsewhere. */
    public void detach() {
        Syscalls.linkDetach(fd.get());
    }

    @Override
    public void close() {
        fd.close();
    }
}
