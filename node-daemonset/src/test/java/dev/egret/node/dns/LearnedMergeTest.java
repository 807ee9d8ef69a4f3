package dev.egret.node.dns;

import dev.egret.node.datapath.KernelContract;
import dev.egret.node.datapath.LearnedIp;
import dev.egret.node.datapath.PortRange;
import dev.egret.node.datapath.RuleValue;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearnedMergeTest {
    private static final InetAddress IP = InetAddress.getLoopbackAddress();

    private static LearnedIp entry(long expires, int... ports) {
        TreeSet<PortRange> r = new TreeSet<>();
        for (int p : ports) {
            r.add(new PortRange(p, p, KernelContract.PROTO_TCP));
        }
        return new LearnedIp(2, IP, expires, new RuleValue(r));
    }

    @Test
    void aSecondNameOnTheSameAddressExtendsAndWidensButNeverCutsShort() {
        LearnedIp merged = LearnedMerge.merge(Optional.of(entry(1000, 443)), entry(500, 80), 100);
        assertEquals(entry(1000, 80, 443), merged);
        assertEquals(entry(2000, 80, 443), LearnedMerge.merge(Optional.of(entry(1000, 443)), entry(2000, 80), 100));
    }

    @Test
    void anExpiredOrMissingEntryIsReplaced() {
        assertEquals(entry(500, 80), LearnedMerge.merge(Optional.of(entry(90, 443)), entry(500, 80), 100));
        assertEquals(entry(500, 80), LearnedMerge.merge(Optional.empty(), entry(500, 80), 100));
    }

    @Test
    void tooManyRangesKeepTheNewestAnswersPorts() {
        int[] many = new int[KernelContract.MAX_PORT_RANGES];
        for (int i = 0; i < many.length; i++) {
            many[i] = 1000 + i;
        }
        LearnedIp merged = LearnedMerge.merge(Optional.of(entry(1000, many)), entry(500, 80), 100);
        assertEquals(List.of(new PortRange(80, 80, KernelContract.PROTO_TCP)), List.copyOf(merged.ports().ranges()));
        assertEquals(1000, merged.expiresNanos());
    }

    @Test
    void anEntryThatOutlivesTheAnswersTtlNeedsNoWrite() {
        // now 100; the fresh entry would expire at 1100 of which 200 are grace: the answer's TTL ends at 900
        assertTrue(LearnedMerge.covers(Optional.of(entry(900, 80, 443)), entry(1100, 443), 100, 200));
        assertFalse(LearnedMerge.covers(Optional.of(entry(899, 80, 443)), entry(1100, 443), 100, 200),
                "a client caching the answer could connect after the entry expired");
        assertTrue(LearnedMerge.covers(Optional.of(entry(5000, 443)), entry(1100, 443), 100, 200), "longer is fine");
        assertFalse(LearnedMerge.covers(Optional.of(entry(1000, 443)), entry(1100, 443), 100, 0), "no grace: no slack");
    }

    @Test
    void aMissingExpiredOrNarrowerEntryMustBeWritten() {
        assertFalse(LearnedMerge.covers(Optional.empty(), entry(1100, 443), 100, 200));
        assertFalse(LearnedMerge.covers(Optional.of(entry(100, 443)), entry(1100, 443), 100, 200), "expired now");
        assertFalse(LearnedMerge.covers(Optional.of(entry(5000, 80)), entry(1100, 443), 100, 200), "443 not allowed yet");
        assertFalse(LearnedMerge.covers(Optional.of(entry(5000, 443)), entry(1100, 80, 443), 100, 200));
        assertFalse(LearnedMerge.covers(Optional.of(entry(5000, 443)), entry(100, 443), 100, 200),
                "an answer that expires at once (TTL 0, no grace) is always written");
    }

    @Test
    void anEntryForAllPortsCoversAnyPorts() {
        LearnedIp all = new LearnedIp(2, IP, 5000, new RuleValue(new TreeSet<>(List.of(PortRange.ALL))));
        assertTrue(LearnedMerge.covers(Optional.of(all), entry(1100, 80, 443), 100, 200));
    }
}
