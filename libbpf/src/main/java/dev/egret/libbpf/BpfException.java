package dev.egret.libbpf;

/** A failed libbpf or bpf(2) call: the operation, the errno it reported and the kernel's text for it. */
public class BpfException extends NativeCallException {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int E2BIG = 7;

    public BpfException(String operation, int errno) {
        super(operation, errno, Errno.describe(errno), true);
    }

    /** True when a map refused an insert because it is full. */
    public boolean isMapFull() {
        return errno() == E2BIG || errno() == ENOSPC;
    }
}
