package dev.egret.audit;

import dev.egret.policy.PortRule;
import dev.egret.policy.Protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The ports a destination was used on, merged into the fewest exact port rules: a port seen over both TCP and UDP
 * becomes one {@code ANY} rule, consecutive ports become a range. Never wider than what was seen.
 */
public final class PortSets {
    private final TreeSet<Integer> tcp = new TreeSet<>();
    private final TreeSet<Integer> udp = new TreeSet<>();

    public void add(Protocol protocol, int port) {
        switch (protocol) {
            case TCP -> tcp.add(port);
            case UDP -> udp.add(port);
            case ANY -> {
                tcp.add(port);
                udp.add(port);
            }
        }
    }

    public void addAll(PortSets other) {
        tcp.addAll(other.tcp);
        udp.addAll(other.udp);
    }

    public List<PortRule> rules() {
        TreeSet<Integer> any = new TreeSet<>(tcp);
        any.retainAll(udp);
        TreeSet<Integer> tcpOnly = new TreeSet<>(tcp);
        tcpOnly.removeAll(any);
        TreeSet<Integer> udpOnly = new TreeSet<>(udp);
        udpOnly.removeAll(any);
        List<PortRule> out = new ArrayList<>();
        ranges(any, Protocol.ANY, out);
        ranges(tcpOnly, Protocol.TCP, out);
        ranges(udpOnly, Protocol.UDP, out);
        return out;
    }

    private static void ranges(TreeSet<Integer> ports, Protocol protocol, List<PortRule> out) {
        Integer start = null;
        int end = 0;
        for (int p : ports) {
            if (start != null && p == end + 1) {
                end = p;
                continue;
            }
            if (start != null) {
                out.add(rule(start, end, protocol));
            }
            start = p;
            end = p;
        }
        if (start != null) {
            out.add(rule(start, end, protocol));
        }
    }

    private static PortRule rule(int start, int end, Protocol protocol) {
        return new PortRule(start, end == start ? null : end, protocol);
    }
}
