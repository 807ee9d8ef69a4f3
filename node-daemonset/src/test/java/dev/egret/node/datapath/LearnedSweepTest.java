package dev.egret.node.datapath;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearnedSweepTest {
    private static final long A = 101;
    private static final long B = 202;
    private static final long GONE = 303;
    private static final long NOW = 5_000;

    private static LearnedIp entry(long cgroup, String ip, long expires) throws Exception {
        return new LearnedIp(cgroup, InetAddress.getByName(ip), expires, new RuleValue(new TreeSet<>(List.of(PortRange.ALL))));
    }

    @Test
    void expiredEntriesAndThoseOfUnboundCgroupsAreCandidatesLiveOnesAreCounted() throws Exception {
        LearnedIp live = entry(A, "192.0.2.1", NOW + 1);
        LearnedIp expired = entry(A, "192.0.2.2", NOW - 1);
        LearnedIp expiringNow = entry(B, "192.0.2.3", NOW); // the kernel allows only while expires > now
        LearnedIp unbound = entry(GONE, "192.0.2.4", NOW + 1_000_000);
        LearnedSweep.Scan scan = LearnedSweep.scan(List.of(live, expired, expiringNow, unbound), NOW, Set.of(A, B));
        assertEquals(Set.of(expired, expiringNow, unbound), Set.copyOf(scan.candidates()));
        assertEquals(Map.of(A, 1L, B, 0L), scan.livePerCgroup(), "every bound workload counted, only live entries");
    }

    @Test
    void aPassThroughOneReusedCursorKeepsEachCandidateAndBuildsOnlyThose() throws Exception {
        List<LearnedIp> entries = List.of(entry(A, "192.0.2.1", NOW + 1), entry(A, "192.0.2.2", NOW - 1),
                entry(B, "192.0.2.3", NOW - 2));
        int[] built = {0};
        class Cursor implements LearnedSweep.Entry { // as the datapath passes its mirror: one object, moved along
            LearnedIp at;

            public long cgroupId() {
                return at.cgroupId();
            }

            public long expiresNanos() {
                return at.expiresNanos();
            }

            public LearnedIp ip() {
                built[0]++;
                return at;
            }
        }
        Cursor c = new Cursor();
        Iterable<LearnedSweep.Entry> pass = () -> entries.stream().map(e -> {
            c.at = e;
            return (LearnedSweep.Entry) c;
        }).iterator();
        LearnedSweep.Scan scan = LearnedSweep.scan(pass, NOW, Set.of(A, B));
        assertEquals(List.of(entries.get(1), entries.get(2)), scan.candidates());
        assertEquals(2, built[0], "the live entry is counted, not built");
        assertEquals(Map.of(A, 1L, B, 0L), scan.livePerCgroup());
    }

    @Test
    void aCandidateIsDeletedOnlyIfStillStaleWhenReadAgain() throws Exception {
        Set<Long> bound = Set.of(A);
        LearnedIp candidate = entry(A, "192.0.2.2", NOW - 1);
        assertTrue(LearnedSweep.confirm(Optional.of(candidate), NOW, bound));
        // the proxy learned the address again between the scan and the delete: kept
        assertFalse(LearnedSweep.confirm(Optional.of(entry(A, "192.0.2.2", NOW + 30_000)), NOW, bound));
        // already gone: nothing to delete
        assertFalse(LearnedSweep.confirm(Optional.empty(), NOW, bound));
        // still fresh, but its workload was unbound meanwhile: deleted
        assertTrue(LearnedSweep.confirm(Optional.of(entry(A, "192.0.2.2", NOW + 30_000)), NOW, Set.of()));
    }
}
