package dev.egret.node.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.util.Locale;

/**
 * Whether this host has IPv6, for the DNS proxy: on a host without it (IPv6 disabled, or no {@code ::1}) the proxy
 * listens on IPv4 only.
 */
final class Ipv6 {
    private Ipv6() {
    }

    /** True when a socket can be bound on {@code ::1}; false only when the failure says IPv6 is unavailable. */
    static boolean loopbackUsable() {
        try (DatagramChannel c = DatagramChannel.open(StandardProtocolFamily.INET6)) {
            c.bind(new InetSocketAddress("::1", 0));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return !unavailable(e);
        }
    }

    /**
     * Whether a bind failure means the host has no IPv6 (EAFNOSUPPORT: the family is off; EADDRNOTAVAIL: no such
     * address here), as opposed to, say, a port in use. Pure.
     */
    static boolean unavailable(Throwable bindFailure) {
        for (Throwable t = bindFailure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnsupportedOperationException) {
                return true; // the JDK opened no INET6 socket at all
            }
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("address family not supported") || m.contains("protocol family unavailable")
                    || m.contains("protocol family not supported") || m.contains("cannot assign requested address")) {
                return true;
            }
        }
        return false;
    }
}
