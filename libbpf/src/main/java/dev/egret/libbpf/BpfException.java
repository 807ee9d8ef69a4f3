package dev.egret.libbpf;

/** A failed libbpf or bpf(2) call: the operation, the errno it reported and the kernel's text for it. */
public class BpfException extends RuntimeException {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int E2BIG = 7;

    private final String operation;
    private final int errno;

    public BpfException(String operation, int errno) {
        super(operation + " failed: " + Errno.describe(errno) + " (errno " + errno + ")");
        this.operation = operation;
        this.errno = errno;
    }

    public String operation() {
        return operation;
    }

    public int errno() {
        return errno;
    }

    /** True when a map refused an insert because it is full. */
    public boolean isMapFull() {
        return errno == E2BIG || errno == ENOSPC;
    }
}
