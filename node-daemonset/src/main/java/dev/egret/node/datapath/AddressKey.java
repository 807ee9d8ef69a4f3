package dev.egret.node.datapath;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * A workload's (bound cgroup's) address as a hash key of plain numbers: comparing two keys reads no {@link InetAddress}
 * (whose bytes sit behind a holder object), which matters in maps of tens of thousands of learned addresses looked up
 * on every DNS answer. An IPv4 address is keyed as its IPv4-mapped IPv6 form.
 */
public record AddressKey(long cgroupId, long high, long low) {
    private static final long V4_MAPPED = 0xFFFF_0000_0000L;

    public static AddressKey of(long cgroupId, InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return new AddressKey(cgroupId, 0, V4_MAPPED | (toInt(b, 0) & 0xFFFF_FFFFL));
        }
        return new AddressKey(cgroupId, toLong(b, 0), toLong(b, 8));
    }

    /** The address (an IPv4 address as an {@link Inet4Address}; no IPv6 scope, which a key does not hold). */
    public InetAddress address() {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (high >>> (56 - 8 * i));
            b[8 + i] = (byte) (low >>> (56 - 8 * i));
        }
        try {
            return InetAddress.getByAddress(b); // an IPv4-mapped address comes back as IPv4
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes are always an address
        }
    }

    private static int toInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | b[at + 3] & 0xFF;
    }

    private static long toLong(byte[] b, int at) {
        return (long) toInt(b, at) << 32 | toInt(b, at + 4) & 0xFFFF_FFFFL;
    }
}
