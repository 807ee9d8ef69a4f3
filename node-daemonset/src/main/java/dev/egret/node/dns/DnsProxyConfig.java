package dev.egret.node.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * @param upstreams resolvers queries are forwarded to, tried in turn
 * @param timeout   how long to wait for an upstream before answering SERVFAIL
 * @param grace     added to every learned IP's TTL, so a connect right after the answer's TTL still works
 * @param datapathWait how long an answer may be held for its IPs to reach the kernel before SERVFAIL
 */
public record DnsProxyConfig(List<InetSocketAddress> upstreams, Duration timeout, Duration grace, Duration datapathWait) {
    public DnsProxyConfig {
        if (upstreams == null || upstreams.isEmpty()) {
            throw new IllegalArgumentException("the DNS proxy needs at least one upstream resolver");
        }
        upstreams = List.copyOf(upstreams);
        if (timeout.isNegative() || timeout.isZero() || grace.isNegative() || datapathWait.isNegative() || datapathWait.isZero()) {
            throw new IllegalArgumentException("DNS proxy durations must be positive");
        }
    }

    /** {@code HOST:PORT} or {@code [V6]:PORT} or a bare host (port 53). */
    public static InetSocketAddress parseUpstream(String s) {
        String host = s;
        int port = 53;
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            host = s.substring(1, end);
            if (end + 1 < s.length()) {
                port = Integer.parseInt(s.substring(end + 2));
            }
        } else if (s.indexOf(':') > 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = Integer.parseInt(s.substring(s.indexOf(':') + 1));
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("upstream port out of range in '" + s + "'");
        }
        return new InetSocketAddress(dev.egret.policy.Cidr.parseAddress(host), port);
    }
}
