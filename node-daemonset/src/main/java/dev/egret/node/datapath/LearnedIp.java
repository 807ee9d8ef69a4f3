package dev.egret.node.datapath;

import dev.egret.policy.Cidr;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A learned-IP entry: an address the DNS proxy allowed for one workload (the bound cgroup whose process resolved an
 * allowed name) until a CLOCK_MONOTONIC deadline.
 */
public record LearnedIp(long cgroupId, InetAddress address, long expiresNanos, RuleValue ports)
        implements LearnedSweep.Entry {

    @Override
    public LearnedIp ip() {
        return this;
    }

    public byte[] key() {
        return key(cgroupId, address);
    }

    static byte[] key(long cgroupId, InetAddress address) {
        ByteBuffer b = ByteBuffer.allocate(KernelContract.LEARNED_KEY_SIZE).order(ByteOrder.nativeOrder());
        b.putLong(cgroupId);
        b.put(KernelContract.LEARNED_KEY_ADDR, mapped(address));
        return b.array();
    }

    public byte[] value() {
        ByteBuffer b = ByteBuffer.allocate(KernelContract.LEARNED_SIZE).order(ByteOrder.nativeOrder());
        b.putLong(expiresNanos);
        ports.encodeInto(b);
        return b.array();
    }

    /** True when the kernel no longer allows it at monotonic time {@code nowNanos} (it checks {@code expires > now}). */
    public boolean expiredAt(long nowNanos) {
        return expiresNanos <= nowNanos;
    }

    static LearnedIp decode(byte[] key, byte[] value) {
        ByteBuffer k = ByteBuffer.wrap(key).order(ByteOrder.nativeOrder());
        byte[] addr = new byte[16];
        k.get(KernelContract.LEARNED_KEY_ADDR, addr);
        try {
            return decode(k.getLong(0), Cidr.unmap(InetAddress.getByAddress(addr)), value);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static LearnedIp decode(long cgroupId, InetAddress address, byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        long expires = b.getLong();
        return new LearnedIp(cgroupId, address, expires, RuleValue.decode(b));
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
