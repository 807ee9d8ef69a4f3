package dev.egret.node.datapath;

import java.nio.ByteOrder;

/**
 * Where a DNS client's last query is filed in {@code egret_dns_askers}, and whether a copied slot holds that client:
 * the same arithmetic as {@code egret_dns_asker_slot} in {@code egret.h}. Pure.
 */
final class DnsAskers {
    private static final boolean LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    private static final int BITS = Integer.numberOfTrailingZeros(KernelContract.DNS_ASKERS);

    private DnsAskers() {
    }

    /** @param addr16 the client's address as the kernel files it (IPv4 as {@code ::ffff:a.b.c.d}) */
    static int slot(int family, int protocol, int port, byte[] addr16) {
        int h = (family << 24) ^ (protocol << 16) ^ (port & 0xffff);
        h ^= word(addr16, 0) ^ word(addr16, 4) ^ word(addr16, 8) ^ word(addr16, 12);
        h *= 0x9e3779b1;
        return h >>> (32 - BITS);
    }

    /** True when a copied {@code struct egret_dns_asker} is filed under exactly this client key. */
    static boolean holds(byte[] asker, int family, int protocol, int port, byte[] addr16) {
        int k = KernelContract.DNS_ASKER_KEY;
        int filedPort = LITTLE ? (asker[k + 2] & 0xff) | (asker[k + 3] & 0xff) << 8
                : (asker[k + 2] & 0xff) << 8 | (asker[k + 3] & 0xff);
        if ((asker[k] & 0xff) != family || (asker[k + 1] & 0xff) != protocol || filedPort != (port & 0xffff)) {
            return false;
        }
        for (int i = 0; i < 16; i++) {
            if (asker[k + KernelContract.DNS_CLIENT_KEY_ADDR + i] != addr16[i]) {
                return false;
            }
        }
        return true;
    }

    private static int word(byte[] b, int at) {
        return LITTLE ? (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24
                : (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }
}
