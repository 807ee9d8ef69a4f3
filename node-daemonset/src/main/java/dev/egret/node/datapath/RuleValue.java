package dev.egret.node.datapath;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/** The value of a rule-map entry ({@code struct egret_rule}): a set of port ranges. */
public record RuleValue(SortedSet<PortRange> ranges) {

    public RuleValue {
        ranges = new TreeSet<>(ranges);
        if (ranges.contains(PortRange.ALL)) {
            ranges = new TreeSet<>(List.of(PortRange.ALL));
        }
        if (ranges.size() > KernelContract.MAX_PORT_RANGES) {
            throw new IllegalArgumentException("more than " + KernelContract.MAX_PORT_RANGES
                    + " port ranges apply to one destination prefix (" + ranges.size() + ")");
        }
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(KernelContract.RULE_SIZE).order(ByteOrder.nativeOrder());
        encodeInto(b);
        return b.array();
    }

    void encodeInto(ByteBuffer b) {
        int base = b.position();
        b.putInt(ranges.size());
        for (PortRange r : ranges) {
            b.putShort((short) r.lo()).putShort((short) r.hi()).put(r.proto()).put((byte) 0).put((byte) 0).put((byte) 0);
        }
        b.position(base + KernelContract.RULE_SIZE);
    }

    static RuleValue decode(ByteBuffer b) {
        int base = b.position();
        int n = b.getInt();
        List<PortRange> out = new ArrayList<>();
        for (int i = 0; i < Math.min(n, KernelContract.MAX_PORT_RANGES); i++) {
            int lo = Short.toUnsignedInt(b.getShort());
            int hi = Short.toUnsignedInt(b.getShort());
            byte proto = b.get();
            b.position(b.position() + 3);
            out.add(new PortRange(lo, hi, proto));
        }
        b.position(base + KernelContract.RULE_SIZE);
        return new RuleValue(new TreeSet<>(out));
    }
}
