package dev.egret.libbpf.udp;

import dev.egret.libbpf.NativeCallException;
import dev.egret.libbpf.internal.Libc;

/** A failed socket call: the operation, the errno it reported and libc's text for it. */
public final class UdpException extends NativeCallException {
    UdpException(String operation, int errno) {
        super(operation, errno, Libc.describe(errno), false);
    }
}
