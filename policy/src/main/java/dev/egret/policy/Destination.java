package dev.egret.policy;

import java.net.InetAddress;

/**
 * Where a workload wants to go: a DNS name when known, an address when known (at least one), a port and a protocol.
 */
public record Destination(String name, InetAddress ip, int port, Protocol protocol) {
    public Destination {
        if (name == null && ip == null) {
            throw new IllegalArgumentException("a destination needs a name or an ip");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        protocol = protocol == null ? Protocol.TCP : protocol;
        ip = ip == null ? null : Cidr.unmap(ip);
    }
}
