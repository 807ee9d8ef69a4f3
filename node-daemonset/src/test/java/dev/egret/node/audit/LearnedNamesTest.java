package dev.egret.node.audit;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LearnedNamesTest {
    @Test
    void namesAddressesPerPolicyAndForgetsTheLeastRecentlyUsed() throws Exception {
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("2001:db8::1");
        InetAddress c = InetAddress.getByName("192.0.2.3");
        LearnedNames names = new LearnedNames(2);
        names.learned("deploy", List.of(a, b), "api.example.com");
        assertEquals(Optional.of("api.example.com"), names.nameOf("deploy", b));
        assertEquals(Optional.empty(), names.nameOf("other", a), "another policy did not learn it");
        names.nameOf("deploy", a);
        names.learned("deploy", List.of(c), "cdn.example.com");
        assertEquals(Optional.empty(), names.nameOf("deploy", b), "bounded: the least recently used went");
        assertEquals(Optional.of("api.example.com"), names.nameOf("deploy", a));
        assertEquals(Optional.of("cdn.example.com"), names.nameOf("deploy", c));
    }
}
