package dev.egret.node.dns;

import dev.egret.node.datapath.DnsClient;
import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.datapath.LearnedIp;
import dev.egret.node.datapath.LearnedSweeper;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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
     * Makes the kernel allow each of {@code fresh}, merged with what the workload already has for its address
     * ({@link LearnedMerge}), unless the entry there already covers it (with {@code slackNanos}, see
     * {@link LearnedMerge#covers}). One read per address, and a write only where needed; atomic with respect to the
     * map's other writers, so any thread may call it. Returns how many entries were written; throws as {@link #learn}
     * when the map is full, after writing the entries before the one that did not fit.
     */
    default int learnAll(List<LearnedIp> fresh, long nowNanos, long slackNanos) {
        synchronized (this) {
            return mergeAll(this, fresh, nowNanos, slackNanos);
        }
    }

    /** Frees the learned map of entries nobody can use (a sweep); completes when done. Called when it is full. */
    default CompletionStage<?> makeRoom() {
        return CompletableFuture.completedFuture(null);
    }

    /** Reads each address's entry and writes the merge where it does not cover the fresh one; the caller makes it atomic. */
    private static int mergeAll(DnsDatapath map, List<LearnedIp> fresh, long nowNanos, long slackNanos) {
        int written = 0;
        for (LearnedIp f : fresh) {
            Optional<LearnedIp> current = map.learned(f.cgroupId(), f.address());
            if (!LearnedMerge.covers(current, f, nowNanos, slackNanos)) {
                map.learn(LearnedMerge.merge(current, f, nowNanos));
                written++;
            }
        }
        return written;
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
            public int learnAll(List<LearnedIp> fresh, long nowNanos, long slackNanos) {
                return d.learnedExclusive(() -> mergeAll(this, fresh, nowNanos, slackNanos));
            }

            @Override
            public CompletionStage<?> makeRoom() {
                return sweeper.sweep();
            }
        };
    }
}
