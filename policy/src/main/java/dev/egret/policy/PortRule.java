package dev.egret.policy;

/** A port, or a range {@code port..endPort}, and a protocol ({@code ANY} covers TCP and UDP). */
public record PortRule(int port, Integer endPort, Protocol protocol) {
    public PortRule {
        protocol = protocol == null ? Protocol.ANY : protocol;
    }

    public int lastPort() {
        return endPort == null ? port : endPort;
    }

    /** A destination with protocol {@code ANY} is covered only by rules for any protocol. */
    public boolean covers(int destPort, Protocol destProtocol) {
        return destPort >= port && destPort <= lastPort() && protocol.covers(destProtocol);
    }
}
