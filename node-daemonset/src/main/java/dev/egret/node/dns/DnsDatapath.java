package dev.egret.node.dns;

import dev.egret.node.datapath.AddressKey;
import dev.egret.node.datapath.DnsClient;
import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.datapath.LearnedIp;
import dev.egret.node.datapath.LearnedSweeper;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/** What the DNS proxy needs of the kernel: who sent a query, and the learned-IP map. */
public interface DnsDatapath {
    /** Who sent the query arriving from {@code client}:{@code clientPort}; a map lookup, cheap enough for the event loop. */
    Optional<DnsClient> client(int family, int protocol, InetAddress client, int clientPort);

    /**
     * The learned entry of an address for a workload (its bound cgroup). A read, on any thread; a read followed by a
     * write is atomic only inside {@link #learnAll}.
     */
    Optional<LearnedIp> learned(long cgroupId, InetAddress address);

    /**
     * Allows an address for a workload until its deadline; throws when the map is full (a {@code BpfException} whose
     * {@code isMapFull()} is true).
     */
    void learn(LearnedIp ip);

    /**
     * Makes the kernel allow each of {@code fresh} that {@code current} accepts, merged with what the workload already
     * has for its address ({@link LearnedMerge}), unless the entry there already covers it (with {@code slackNanos},
     * see {@link LearnedMerge#covers}). {@code current} is asked first, under the same lock as the writes (whether the
     * decision behind an entry still holds, {@link WorkloadPolicies#stillPolices}); what it refuses is not written.
     * One read per address, and a write only where needed; atomic with respect to the map's other writers, so any
     * thread may call it. Returns how many entries were written; throws as {@link #learn} when the map is full, after
     * writing the entries before the one that did not fit.
     */
    default int learnAll(List<LearnedIp> fresh, long nowNanos, long slackNanos, Predicate<LearnedIp> current) {
        synchronized (this) {
            return mergeAll(this, fresh, nowNanos, slackNanos, current);
        }
    }

    /**
     * Writes entries in order, with one call where the kernel allows it; throws as {@link #learn} when the map is
     * full, after writing the entries before the one that did not fit. Called inside {@link #learnAll}.
     */
    default void learnBatch(List<LearnedIp> entries) {
        entries.forEach(this::learn);
    }

    /** Frees the learned map of entries nobody can use (a sweep); completes when done. Called when it is full. */
    default CompletionStage<?> makeRoom() {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Reads each address's entry and merges where it does not cover the fresh one (an address twice in {@code fresh}
     * merges with its own earlier merge), then writes the merges as one batch; the caller makes it atomic.
     */
    private static int mergeAll(DnsDatapath map, List<LearnedIp> fresh, long nowNanos, long slackNanos,
                                Predicate<LearnedIp> decided) {
        if (fresh.size() == 1) { // the common case: one address, no batch to build
            LearnedIp f = fresh.getFirst();
            if (!decided.test(f)) {
                return 0;
            }
            Optional<LearnedIp> current = map.learned(f.cgroupId(), f.address());
            if (LearnedMerge.covers(current, f, nowNanos, slackNanos)) {
                return 0;
            }
            map.learn(LearnedMerge.merge(current, f, nowNanos));
            return 1;
        }
        Map<AddressKey, LearnedIp> writes = new LinkedHashMap<>();
        for (LearnedIp f : fresh) {
            if (!decided.test(f)) {
                continue;
            }
            AddressKey k = AddressKey.of(f.cgroupId(), f.address());
            LearnedIp pending = writes.get(k);
            Optional<LearnedIp> current = pending != null ? Optional.of(pending) : map.learned(f.cgroupId(), f.address());
            if (!LearnedMerge.covers(current, f, nowNanos, slackNanos)) {
                writes.put(k, LearnedMerge.merge(current, f, nowNanos));
            }
        }
        map.learnBatch(new ArrayList<>(writes.values()));
        return writes.size();
    }


    static DnsDatapath of(EgretDatapath d, LearnedSweeper sweeper) {
        return new DnsDatapath() {
            @Override
            public Optional<DnsClient> client(int family, int protocol, InetAddress client, int clientPort) {
                return d.dnsClient(family, protocol, client, clientPort);
            }

            @Override
            public Optional<LearnedIp> learned(long cgroupId, InetAddress address) {
                return d.learned(cgroupId, address);
            }

            @Override
            public void learn(LearnedIp ip) {
                d.learn(ip);
            }

            @Override
            public void learnBatch(List<LearnedIp> entries) {
                d.learnBatch(entries);
            }

            @Override
            public int learnAll(List<LearnedIp> fresh, long nowNanos, long slackNanos, Predicate<LearnedIp> current) {
                return d.learnedExclusive(() -> mergeAll(this, fresh, nowNanos, slackNanos, current));
            }

            @Override
            public CompletionStage<?> makeRoom() {
                return sweeper.sweep();
            }
        };
    }
}
