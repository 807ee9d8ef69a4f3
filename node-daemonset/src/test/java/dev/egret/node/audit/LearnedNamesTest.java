package dev.egret.node.audit;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LearnedNamesTest {
    @Test
    void namesAddressesPerWorkloadAndForgetsTheLeastRecentlyUsed() throws Exception {
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("2001:db8::1");
        InetAddress c = InetAddress.getByName("192.0.2.3");
        LearnedNames names = new LearnedNames(2);
        names.learned(7, List.of(a, b), "api.example.com");
        assertEquals(Optional.of("api.example.com"), names.nameOf(7, b));
        assertEquals(Optional.empty(), names.nameOf(8, a), "another workload did not learn it");
        names.nameOf(7, a);
        names.learned(7, List.of(c), "cdn.example.com");
        assertEquals(Optional.empty(), names.nameOf(7, b), "bounded: the least recently used went");
        assertEquals(Optional.of("api.example.com"), names.nameOf(7, a));
        assertEquals(Optional.of("cdn.example.com"), names.nameOf(7, c));
    }
}
