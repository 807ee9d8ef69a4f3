package dev.egret.node.dns;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.BindException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a failed bind means the host has no IPv6, so the DNS proxy falls back to IPv4 only. */
class Ipv6Test {
    @Test
    void noSuchAddressOrNoSuchFamilyMeansNoIpv6() {
        // as DnsUdp reports a bind on ::1 with IPv6 disabled (libc's text for EADDRNOTAVAIL)
        assertTrue(Ipv6.unavailable(new IllegalStateException(
                "bind([::1]:0) failed: Cannot assign requested address (errno 99)")));
        assertTrue(Ipv6.unavailable(new IllegalStateException("bind failed",
                new IOException("bind(..) failed: Cannot assign requested address"))));
        assertTrue(Ipv6.unavailable(new IOException("socket(..) failed: Address family not supported by protocol")));
        assertTrue(Ipv6.unavailable(new UnsupportedOperationException("Protocol family unavailable")));
        assertTrue(Ipv6.unavailable(new java.net.SocketException("Protocol family unavailable")));
    }

    @Test
    void otherFailuresAreNotTakenForAMissingIpv6() {
        assertFalse(Ipv6.unavailable(new BindException("Address already in use")));
        assertFalse(Ipv6.unavailable(new IllegalStateException((String) null)));
        assertFalse(Ipv6.unavailable(new IOException("Permission denied")));
    }
}
