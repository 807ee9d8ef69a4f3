package dev.egret.node.datapath;

import dev.egret.policy.Cidr;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The sender of a redirected DNS query, as the kernel recorded it ({@code struct egret_dns_orig}).
 *
 * @param resolver the resolver the client asked (the proxy answers in its name)
 */
public record DnsClient(long cgroupId, int pid, InetAddress resolver, int resolverPort) {

    static DnsClient decode(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
        long cg = b.getLong(0);
        int pid = b.getInt(KernelContract.DNS_ORIG_PID);
        byte[] addr = new byte[16];
        b.get(KernelContract.DNS_ORIG_ADDR, addr);
        int port = Short.toUnsignedInt(ByteBuffer.wrap(v, KernelContract.DNS_ORIG_PORT, 2).order(ByteOrder.BIG_ENDIAN).getShort());
        try {
            return new DnsClient(cg, pid, Cidr.unmap(InetAddress.getByAddress(addr)), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
