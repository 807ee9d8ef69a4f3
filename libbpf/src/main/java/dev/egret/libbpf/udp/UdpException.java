package dev.egret.libbpf.udp;

import dev.egret.libbpf.internal.Libc;

/** A failed socket call: the operation, the errno it reported and libc's text for it. */
public final class UdpException extends RuntimeException {
    private final String operation;
    private final int errno;

    UdpException(String operation, int errno) {
        super(operation + " failed: " + Libc.describe(errno) + " (errno " + errno + ")", null, false, false);
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
