package dev.egret.libbpf.udp;

import dev.egret.libbpf.internal.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;

/**
 * One recvmmsg vector of {@link #VLEN} messages over one data area, shared by the loop's sockets (a read's datagrams
 * are copied out before the next read): each message's slot is {@code maxSlot} bytes apart, of which a read offers
 * the reading socket's datagram size (a larger datagram arrives cut, flagged MSG_TRUNC). Loop thread only.
 */
final class RecvBatch {
    static final int VLEN = 64;
    private final MemorySegment vec;
    private final MemorySegment iovs;
    private final MemorySegment names;
    private final MemorySegment data;
    private final int maxSlot;
    /** The datagram size the iovecs offer now. */
    private int slot = -1;

    RecvBatch(Arena arena, int maxSlot) {
        this.maxSlot = maxSlot;
        vec = arena.allocate((long) VLEN * Mmsghdr.SIZE, 8);
        iovs = arena.allocate((long) VLEN * Mmsghdr.IOVEC, 8);
        names = arena.allocate((long) VLEN * Mmsghdr.NAME, 8);
        data = arena.allocate((long) VLEN * maxSlot, 64);
        for (int i = 0; i < VLEN; i++) {
            Mmsghdr.link(vec, iovs, names, i);
            iovs.set(ValueLayout.ADDRESS, (long) i * Mmsghdr.IOVEC + Mmsghdr.IOV_BASE, data.asSlice((long) i * maxSlot, maxSlot));
        }
    }

    /** Reads up to {@link #VLEN} datagrams of at most {@code slotSize} bytes without waiting: how many, or -errno. */
    int receive(int fd, int slotSize, MemorySegment errnoState) {
        if (slotSize != slot) {
            for (int i = 0; i < VLEN; i++) {
                iovs.set(ValueLayout.JAVA_LONG, (long) i * Mmsghdr.IOVEC + Mmsghdr.IOV_BYTES, slotSize);
            }
            slot = slotSize;
        }
        try {
            int n = (int) Libc.RECVMMSG.invokeExact(errnoState, fd, vec, VLEN, Libc.MSG_DONTWAIT, MemorySegment.NULL);
            return n < 0 ? -Libc.errno(errnoState) : n;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** A copy of datagram {@code i} of the last read (cut to the slot if it was larger). */
    byte[] datagram(int i) {
        int length = Math.min(vec.get(ValueLayout.JAVA_INT, (long) i * Mmsghdr.SIZE + Mmsghdr.MSG_LEN), slot);
        byte[] b = new byte[length];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, (long) i * maxSlot, b, 0, length);
        return b;
    }

    /** Whether datagram {@code i} of the last read was larger than its slot. */
    boolean truncated(int i) {
        return (vec.get(ValueLayout.JAVA_INT, (long) i * Mmsghdr.SIZE + Mmsghdr.FLAGS) & Libc.MSG_TRUNC) != 0;
    }

    /** The sender of datagram {@code i} of the last read; null if of no family known here. */
    InetSocketAddress sender(int i, SockAddr addresses) {
        int length = vec.get(ValueLayout.JAVA_INT, (long) i * Mmsghdr.SIZE + Mmsghdr.NAME_LEN);
        return addresses.read(names, (long) i * Mmsghdr.NAME, length);
    }

    /** Makes the first {@code n} messages ready for the next read (the kernel wrote their name lengths). */
    void reset(int n) {
        for (int i = 0; i < n; i++) {
            vec.set(ValueLayout.JAVA_INT, (long) i * Mmsghdr.SIZE + Mmsghdr.NAME_LEN, SockAddr.SIZE);
        }
    }
}
