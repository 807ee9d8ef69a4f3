package dev.egret.node.dns;

import dev.egret.node.datapath.DnsClient;
import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.datapath.LearnedIp;

import java.net.InetAddress;
import java.util.Optional;

/** What the DNS proxy needs of the kernel: who sent a query, and the learned-IP map. */
public interface DnsDatapath {
    /** Who sent the query arriving from {@code client}:{@code clientPort}; a map lookup, cheap enough for the event loop. */
    Optional<DnsClient> client(int family, int protocol, InetAddress client, int clientPort);

    /** The learned entry of an address for a slot. Called on the writer thread only. */
    Optional<LearnedIp> learned(int slot, InetAddress address);

    /** Allows an address for a slot until its deadline; throws when the map is full. Called on the writer thread only. */
    void learn(LearnedIp ip);

    static DnsDatapath of(EgretDatapath d) {
        return new DnsDatapath() {
            @Override
            public Optional<DnsClient> client(int family, int protocol, InetAddress client, int clientPort) {
                return d.dnsClient(family, protocol, client, clientPort);
            }

            @Override
            public Optional<LearnedIp> learned(int slot, InetAddress address) {
                return d.learned(slot, address);
            }

            @Override
            public void learn(LearnedIp ip) {
                d.learn(ip);
            }
        };
    }
}
