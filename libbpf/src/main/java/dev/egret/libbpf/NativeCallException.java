package dev.egret.libbpf;

/** A failed native call (libbpf, bpf(2), libc): the operation, the errno it reported and a text for it. */
public abstract class NativeCallException extends RuntimeException {
    private final String operation;
    private final int errno;

    /** @param stackTrace false for failures frequent enough that their stack is not worth filling (a socket's sends) */
    protected NativeCallException(String operation, int errno, String text, boolean stackTrace) {
        super(operation + " failed: " + text + " (errno " + errno + ")", null, true, stackTrace);
        this.operation = operation;
        this.errno = errno;
    }

    public String operation() {
        return operation;
    }

    public int errno() {
        return errno;
    }
}
