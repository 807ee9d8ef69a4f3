package dev.egret.node.datapath;

import dev.egret.policy.Cidr;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Keys of the rule tries: {@code prefixlen} (host order) = 32 slot bits + the address prefix; slot in network order. */
public final class LpmKeys {
    private LpmKeys() {
    }

    public static byte[] of(int slot, Cidr cidr) {
        byte[] addr = cidr.address().getAddress();
        int size = cidr.isIpv4() ? KernelContract.LPM4_KEY_SIZE : KernelContract.LPM6_KEY_SIZE;
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        b.putInt(32 + cidr.prefixLength());
        b.order(ByteOrder.BIG_ENDIAN).putInt(slot);
        b.put(addr);
        return b.array();
    }

    /** The slot a key belongs to. */
    public static int slotOf(byte[] key) {
        return ByteBuffer.wrap(key, 4, 4).order(ByteOrder.BIG_ENDIAN).getInt();
    }

    /** The same key in another slot. */
    public static byte[] withSlot(byte[] key, int slot) {
        byte[] out = key.clone();
        ByteBuffer.wrap(out, 4, 4).order(ByteOrder.BIG_ENDIAN).putInt(slot);
        return out;
    }

    /** The CIDR a key stands for. */
    public static Cidr cidrOf(byte[] key) {
        int prefix = ByteBuffer.wrap(key, 0, 4).order(ByteOrder.nativeOrder()).getInt() - 32;
        byte[] addr = java.util.Arrays.copyOfRange(key, 8, key.length);
        try {
            return new Cidr(InetAddress.getByAddress(addr), prefix);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
