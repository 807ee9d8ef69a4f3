package dev.egret.node.datapath;

/**
 * One port range of a kernel rule value.
 *
 * @param proto {@link KernelContract#PROTO_ANY} (TCP and UDP), {@code PROTO_TCP}, {@code PROTO_UDP} or
 *              {@code PROTO_ALL} (every protocol and port: a rule without toPorts)
 */
public record PortRange(int lo, int hi, byte proto) implements Comparable<PortRange> {
    public static final PortRange ALL = new PortRange(0, 65535, KernelContract.PROTO_ALL);

    public PortRange {
        if (lo < 0 || hi > 65535 || lo > hi) {
            throw new IllegalArgumentException("bad port range " + lo + "-" + hi);
        }
    }

    @Override
    public int compareTo(PortRange o) {
        int c = Integer.compare(proto & 0xff, o.proto & 0xff);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(lo, o.lo);
        return c != 0 ? c : Integer.compare(hi, o.hi);
    }
}
