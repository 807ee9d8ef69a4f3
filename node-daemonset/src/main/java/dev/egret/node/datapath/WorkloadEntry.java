package dev.egret.node.datapath;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The value of the workload map ({@code struct egret_workload}): which policy slot polices a cgroup, and how. */
public record WorkloadEntry(int slot, boolean audit, boolean allowRaw, boolean reportAllowed) {

    /** A cgroup policed by a compiled policy: its slot, its mode and whether it may open raw and packet sockets. */
    public static WorkloadEntry of(CompiledPolicy policy, boolean reportAllowed) {
        return new WorkloadEntry(policy.slot(), policy.audit(), policy.allowRaw(), reportAllowed);
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(KernelContract.WORKLOAD_SIZE).order(ByteOrder.nativeOrder());
        b.putInt(slot);
        b.put(audit ? KernelContract.MODE_AUDIT : KernelContract.MODE_ENFORCE);
        b.put((byte) ((allowRaw ? KernelContract.WL_ALLOW_RAW : 0) | (reportAllowed ? KernelContract.WL_REPORT_ALLOWED : 0)));
        return b.array();
    }

    public static WorkloadEntry decode(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
        int slot = b.getInt();
        byte mode = b.get();
        byte flags = b.get();
        return new WorkloadEntry(slot, mode == KernelContract.MODE_AUDIT, (flags & KernelContract.WL_ALLOW_RAW) != 0,
                (flags & KernelContract.WL_REPORT_ALLOWED) != 0);
    }

    public static byte[] key(long cgroupId) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(cgroupId).array();
    }

    public static long cgroupIdOf(byte[] key) {
        return ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).getLong();
    }
}
