package dev.egret.libbpf.udp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct mmsghdr} on x86_64 Linux: a {@code struct msghdr} (name pointer, name length and padding, iovec
 * pointer, iovec count, control pointer, control length, flags and padding: 56 bytes) then {@code msg_len} and
 * padding, 64 bytes in all; {@code struct iovec} is a base pointer and a length, 16 bytes. A vector of them, each
 * with one iovec over its slot of a data area and room for a socket address, is laid out once and reused.
 */
final class Mmsghdr {
    static final int SIZE = 64;
    static final int IOVEC = 16;
    /** Room per message for a peer's address (a {@code sockaddr_in6}, rounded up). */
    static final int NAME = 32;
    static final long NAME_PTR = 0;
    static final long NAME_LEN = 8;
    static final long IOV_PTR = 16;
    static final long IOV_LEN = 24;
    static final long CONTROL_PTR = 32;
    static final long CONTROL_LEN = 40;
    static final long FLAGS = 48;
    static final long MSG_LEN = 56;
    static final long IOV_BASE = 0;
    static final long IOV_BYTES = 8;

    private Mmsghdr() {
    }

    /** Points message {@code i} of {@code vec} at its iovec and its name slot; no control data. */
    static void link(MemorySegment vec, MemorySegment iovs, MemorySegment names, int i) {
        long m = (long) i * SIZE;
        vec.set(ValueLayout.ADDRESS, m + NAME_PTR, names.asSlice((long) i * NAME, NAME));
        vec.set(ValueLayout.JAVA_INT, m + NAME_LEN, SockAddr.SIZE);
        vec.set(ValueLayout.ADDRESS, m + IOV_PTR, iovs.asSlice((long) i * IOVEC, IOVEC));
        vec.set(ValueLayout.JAVA_LONG, m + IOV_LEN, 1L);
        vec.set(ValueLayout.ADDRESS, m + CONTROL_PTR, MemorySegment.NULL);
        vec.set(ValueLayout.JAVA_LONG, m + CONTROL_LEN, 0L);
        vec.set(ValueLayout.JAVA_INT, m + FLAGS, 0);
        vec.set(ValueLayout.JAVA_INT, m + MSG_LEN, 0);
    }
}
