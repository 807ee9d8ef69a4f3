package dev.egret.libbpf.udp;

import dev.egret.libbpf.internal.Libc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * {@code struct sockaddr_in} (16 bytes: family, port, address, zeros) and {@code struct sockaddr_in6} (28 bytes:
 * family, port, flow info, address, scope id), ports and addresses in network byte order. An IPv6 socket takes IPv4
 * peers as {@code ::ffff:a.b.c.d}; one it reports so is read as the IPv4 address. Written and read on one thread
 * (each instance keeps caches).
 */
final class SockAddr {
    /** Room for either structure. */
    static final int SIZE = 28;
    private static final ValueLayout.OfShort FAMILY = ValueLayout.JAVA_SHORT_UNALIGNED; // native order
    private static final ValueLayout.OfShort PORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong BE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final long MAPPED = 0xffffL << 32;
    private static final int CACHE = 256; // a power of two

    /** Addresses a socket sent to lately, with their bytes: {@link InetAddress#getAddress} copies them each time. */
    private final InetAddress[] sentTo = new InetAddress[CACHE];
    private final byte[][] sentBytes = new byte[CACHE][];
    /** Senders seen lately, by address and port (clients reuse a few ports; the upstream is one or two peers). */
    private final long[] v4Keys = new long[CACHE];
    private final InetSocketAddress[] v4 = new InetSocketAddress[CACHE];
    private final long[] v6Hi = new long[CACHE];
    private final long[] v6Lo = new long[CACHE];
    private final int[] v6Port = new int[CACHE];
    private final InetSocketAddress[] v6 = new InetSocketAddress[CACHE];

    /**
     * Writes {@code to} at {@code offset} as a socket of the family takes it (an IPv6 socket: IPv4 addresses mapped);
     * returns its length. An IPv6 address for an IPv4 socket is written as it is: the kernel refuses it
     * (EAFNOSUPPORT). The address must be resolved.
     */
    int write(InetSocketAddress to, boolean ipv6Socket, MemorySegment m, long offset) {
        InetAddress a = to.getAddress();
        return write(a, bytes(a), to.getPort(), ipv6Socket, m, offset);
    }

    /** As {@link #write(InetSocketAddress, boolean, MemorySegment, long)}, with the address's bytes given. */
    static int write(InetAddress a, byte[] bytes, int port, boolean ipv6Socket, MemorySegment m, long offset) {
        if (!ipv6Socket && bytes.length == 4) {
            m.set(FAMILY, offset, (short) Libc.AF_INET);
            m.set(PORT, offset + 2, (short) port);
            m.set(BE_INT, offset + 4, toInt(bytes, 0));
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, offset + 8, 0L);
            return 16;
        }
        m.set(FAMILY, offset, (short) Libc.AF_INET6);
        m.set(PORT, offset + 2, (short) port);
        m.set(INT, offset + 4, 0); // flow info
        if (bytes.length == 4) {
            m.set(BE_LONG, offset + 8, 0L);
            m.set(BE_LONG, offset + 16, MAPPED | (toInt(bytes, 0) & 0xffffffffL));
            m.set(INT, offset + 24, 0);
        } else {
            m.set(BE_LONG, offset + 8, toLong(bytes, 0));
            m.set(BE_LONG, offset + 16, toLong(bytes, 8));
            m.set(INT, offset + 24, ((Inet6Address) a).getScopeId());
        }
        return SIZE;
    }

    /** The sender at {@code offset}, {@code length} bytes long as the kernel reported it; null if it is neither family. */
    InetSocketAddress read(MemorySegment m, long offset, int length) {
        int family = m.get(FAMILY, offset);
        int port = m.get(PORT, offset + 2) & 0xffff;
        if (family == Libc.AF_INET && length >= 16) {
            return v4(m.get(BE_INT, offset + 4), port);
        }
        if (family != Libc.AF_INET6 || length < SIZE) {
            return null;
        }
        long hi = m.get(BE_LONG, offset + 8);
        long lo = m.get(BE_LONG, offset + 16);
        int scope = m.get(INT, offset + 24);
        if (hi == 0 && (lo & 0xffffffff00000000L) == MAPPED) {
            return v4((int) lo, port);
        }
        if (scope != 0) { // link-local: rare, not cached
            try {
                return new InetSocketAddress(Inet6Address.getByAddress(null, bytes16(hi, lo), scope), port);
            } catch (UnknownHostException e) {
                return null;
            }
        }
        int i = index(hi * 31 + lo, port);
        InetSocketAddress s = v6[i];
        if (s == null || v6Hi[i] != hi || v6Lo[i] != lo || v6Port[i] != port) {
            try {
                s = new InetSocketAddress(InetAddress.getByAddress(bytes16(hi, lo)), port);
            } catch (UnknownHostException e) {
                return null; // 16 bytes are always an address
            }
            v6[i] = s;
            v6Hi[i] = hi;
            v6Lo[i] = lo;
            v6Port[i] = port;
        }
        return s;
    }

    private InetSocketAddress v4(int address, int port) {
        long key = 1L << 48 | (address & 0xffffffffL) << 16 | port;
        int i = index(key, 0);
        InetSocketAddress s = v4[i];
        if (s == null || v4Keys[i] != key) {
            byte[] b = {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
            try {
                s = new InetSocketAddress(InetAddress.getByAddress(b), port);
            } catch (UnknownHostException e) {
                return null; // 4 bytes are always an address
            }
            v4[i] = s;
            v4Keys[i] = key;
        }
        return s;
    }

    private byte[] bytes(InetAddress a) {
        int i = System.identityHashCode(a) & (CACHE - 1);
        if (sentTo[i] != a) {
            sentBytes[i] = a.getAddress();
            sentTo[i] = a;
        }
        return sentBytes[i];
    }

    private static int index(long key, int port) {
        long h = (key ^ port * 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
        return (int) (h >>> 56) & (CACHE - 1);
    }

    private static int toInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | b[at + 3] & 0xff;
    }

    private static long toLong(byte[] b, int at) {
        return (toInt(b, at) & 0xffffffffL) << 32 | toInt(b, at + 4) & 0xffffffffL;
    }

    private static byte[] bytes16(long hi, long lo) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        return b;
    }
}
