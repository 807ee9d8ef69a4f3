package dev.egret.node.datapath;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Per-workload counters kept by the kernel ({@code struct egret_counters}). */
public record Counters(long egressBytes, long egressPackets, long allowed, long denied, long audited) {
    public static final Counters ZERO = new Counters(0, 0, 0, 0, 0);

    public static Counters decode(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
        return new Counters(b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong());
    }

    public static byte[] zero() {
        return new byte[KernelContract.COUNTERS_SIZE];
    }
}
