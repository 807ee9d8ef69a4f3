package dev.egret.node.datapath;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** A learned-IP entry: an address the DNS proxy allowed for one slot until a CLOCK_MONOTONIC deadline. */
public record LearnedIp(int slot, InetAddress address, long expiresNanos, RuleValue ports) {

    public byte[] key() {
        ByteBuffer b = ByteBuffer.allocate(KernelContract.LEARNED_KEY_SIZE).order(ByteOrder.nativeOrder());
        b.putInt(slot);
        b.put(mapped(address));
        return b.array();
    }

    public byte[] value() {
        ByteBuffer b = ByteBuffer.allocate(KernelContract.LEARNED_SIZE).order(ByteOrder.nativeOrder());
        b.putLong(expiresNanos);
        ports.encodeInto(b);
        return b.array();
    }

    static LearnedIp decode(int slot, InetAddress address, byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        long expires = b.getLong();
        return new LearnedIp(slot, address, expires, RuleValue.decode(b));
    }

    /** IPv4 as {@code ::ffff:a.b.c.d}, IPv6 as is. */
    static byte[] mapped(InetAddress a) {
        byte[] raw = a.getAddress();
        if (raw.length == 16) {
            return raw;
        }
        byte[] out = new byte[16];
        out[10] = (byte) 0xff;
        out[11] = (byte) 0xff;
        System.arraycopy(raw, 0, out, 12, 4);
        return out;
    }
}
