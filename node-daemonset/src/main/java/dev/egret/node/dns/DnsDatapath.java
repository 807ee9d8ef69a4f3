package dev.egret.node.dns;

import dev.egret.node.datapath.DnsClient;
import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.datapath.LearnedIp;
import dev.egret.node.datapath.LearnedSweeper;

import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** What the DNS proxy needs of the kernel: who sent a query, and the learned-IP map. */
public interface DnsDatapath {
    /** Who sent the query arriving from {@code client}:{@code clientPort}; a map lookup, cheap enough for the event loop. */
    Optional<DnsClient> client(int family, int protocol, InetAddress client, int clientPort);

    /**
     * The learned entry of an address for a workload (its bound cgroup). A read: any thread may call it, but only the
     * writer thread's read is sure to see what it writes next.
     */
    Optional<LearnedIp> learned(long cgroupId, InetAddress address);

    /**
     * Allows an address for a workload until its deadline; throws when the map is full (a {@code BpfException} whose
     * {@code isMapFull()} is true). Called on the writer thread only.
     */
    void learn(LearnedIp ip);

    /** Frees the learned map of entries nobody can use (a sweep); completes when done. Called when it is full. */
    default CompletionStage<?> makeRoom() {
        return CompletableFuture.completedFuture(null);
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
            public CompletionStage<?> makeRoom() {
                return sweeper.sweep();
            }
        };
    }
}
