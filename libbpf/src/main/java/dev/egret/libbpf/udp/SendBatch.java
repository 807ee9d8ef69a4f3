package dev.egret.libbpf.udp;

import dev.egret.libbpf.internal.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;

/**
 * One sendmmsg vector of up to {@link #VLEN} messages, their datagrams packed back to back in one data area of
 * {@link #DATA} bytes (room for any UDP datagram). Filled, sent and refilled; loop thread only.
 */
final class SendBatch {
    static final int VLEN = 64;
    static final int DATA = 128 * 1024;
    private final MemorySegment vec;
    private final MemorySegment iovs;
    private final MemorySegment names;
    private final MemorySegment data;
    private int count;
    private long used;

    SendBatch(Arena arena) {
        vec = arena.allocate((long) VLEN * Mmsghdr.SIZE, 8);
        iovs = arena.allocate((long) VLEN * Mmsghdr.IOVEC, 8);
        names = arena.allocate((long) VLEN * Mmsghdr.NAME, 8);
        data = arena.allocate(DATA, 64);
        for (int i = 0; i < VLEN; i++) {
            Mmsghdr.link(vec, iovs, names, i);
        }
    }

    void clear() {
        count = 0;
        used = 0;
    }

    /** Adds a datagram for {@code to}; false when the batch has no room left for it (send it, clear, add again). */
    boolean add(byte[] datagram, InetSocketAddress to, boolean ipv6Socket, SockAddr addresses) {
        if (count == VLEN || used + datagram.length > DATA) {
            return false;
        }
        long m = (long) count * Mmsghdr.SIZE;
        int nameLength = addresses.write(to, ipv6Socket, names, (long) count * Mmsghdr.NAME);
        vec.set(ValueLayout.JAVA_INT, m + Mmsghdr.NAME_LEN, nameLength);
        long iov = (long) count * Mmsghdr.IOVEC;
        iovs.set(ValueLayout.JAVA_LONG, iov + Mmsghdr.IOV_BASE, data.address() + used); // no slice per datagram
        iovs.set(ValueLayout.JAVA_LONG, iov + Mmsghdr.IOV_BYTES, datagram.length);
        MemorySegment.copy(datagram, 0, data, ValueLayout.JAVA_BYTE, used, datagram.length);
        used += (datagram.length + 7) & ~7L;
        count++;
        return true;
    }

    int size() {
        return count;
    }

    /** Sends the batch without waiting: how many datagrams left, or -errno when the first could not. */
    int send(int fd, MemorySegment errnoState) {
        try {
            int n = (int) Libc.SENDMMSG.invokeExact(errnoState, fd, vec, count, Libc.MSG_DONTWAIT);
            return n < 0 ? -Libc.errno(errnoState) : n;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
