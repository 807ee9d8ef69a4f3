package dev.egret.node.datapath;

import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class AddressKeyTest {
    @Test
    void sameWorkloadAndAddressAreOneKey() throws Exception {
        assertEquals(AddressKey.of(7, InetAddress.getByName("10.1.2.3")), AddressKey.of(7, InetAddress.getByName("10.1.2.3")));
        assertEquals(AddressKey.of(7, InetAddress.getByName("2001:db8::1")), AddressKey.of(7, InetAddress.getByName("2001:db8:0::1")));
        assertEquals(AddressKey.of(7, InetAddress.getByName("10.1.2.3")).hashCode(),
                AddressKey.of(7, InetAddress.getByName("10.1.2.3")).hashCode());
    }

    @Test
    void otherWorkloadsAddressesAndFamiliesAreOtherKeys() throws Exception {
        AddressKey k = AddressKey.of(7, InetAddress.getByName("10.1.2.3"));
        assertNotEquals(k, AddressKey.of(8, InetAddress.getByName("10.1.2.3")));
        assertNotEquals(k, AddressKey.of(7, InetAddress.getByName("10.1.2.4")));
        assertNotEquals(k, AddressKey.of(7, InetAddress.getByName("255.1.2.3")));
        assertNotEquals(k, AddressKey.of(7, InetAddress.getByName("::a01:203"))); // IPv4-compatible, not mapped
        assertNotEquals(AddressKey.of(7, InetAddress.getByName("2001:db8::1")), AddressKey.of(7, InetAddress.getByName("2001:db8::2")));
        assertNotEquals(AddressKey.of(7, InetAddress.getByName("2001:db8::1")), AddressKey.of(7, InetAddress.getByName("2002:db8::1")));
    }

    @Test
    void anIpv4AddressIsItsMappedForm() throws Exception {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 1, 2, 3};
        // as the kernel keys it: an IPv6 socket's IPv4 peer and the IPv4 address are one learned entry
        assertEquals(AddressKey.of(7, InetAddress.getByName("10.1.2.3")), AddressKey.of(7, Inet6Address.getByAddress(null, mapped, -1)));
    }

    @Test
    void aKeyGivesBackItsAddress() throws Exception {
        for (String a : new String[]{"10.1.2.3", "0.0.0.1", "255.255.255.255", "2001:db8::1", "::1", "ffff::ffff"}) {
            assertEquals(InetAddress.getByName(a), AddressKey.of(7, InetAddress.getByName(a)).address(), a);
        }
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 1, 2, 3};
        assertEquals(InetAddress.getByName("10.1.2.3"), AddressKey.of(7, Inet6Address.getByAddress(null, mapped, -1)).address(),
                "an IPv4-mapped address comes back as the IPv4 address the kernel allows");
    }
}
