package dev.egret.policy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CidrTest {

    @ParameterizedTest(name = "{0} contains {1} = {2}")
    @CsvSource({
            "10.0.0.0/8,        10.1.2.3,            true",
            "10.0.0.0/8,        11.0.0.1,            false",
            "10.1.2.3/8,        10.200.0.1,          true",
            "192.0.2.7,         192.0.2.7,           true",
            "192.0.2.7,         192.0.2.8,           false",
            "0.0.0.0/0,         203.0.113.9,         true",
            "0.0.0.0/0,         2001:db8::1,         false",
            "10.0.0.0/8,        ::ffff:10.9.9.9,     true",
            "10.0.0.0/8,        ::ffff:11.9.9.9,     false",
            "::ffff:10.0.0.0/104, 10.3.3.3,          true",
            "2001:db8::/32,     2001:db8:ffff::1,    true",
            "2001:db8::/32,     2001:db9::1,         false",
            "::1/128,           ::1,                 true",
            "::1/128,           127.0.0.1,           false",
            "::/0,              fe80::1,             true",
            "::/0,              10.0.0.1,            false",
    })
    void containment(String cidr, String ip, boolean expected) {
        assertEquals(expected, Cidr.parse(cidr).contains(Cidr.parseAddress(ip)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10.0.0.0/33", "10.0.0/8", "256.0.0.0/8", "10.0.0.0/-1", "10.0.0.0/a", "::/129",
            "2001:db8::g/32", "example.com", "10.0.0.0/8/9", "::ffff:10.0.0.0/64", "1.2.3.4 /8"})
    void invalid(String cidr) {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(cidr));
    }

    @org.junit.jupiter.api.Test
    void neverResolvesNames() {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parseAddress("localhost"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parseAddress("example.com"));
    }
}
