package dev.egret.node.datapath;

import dev.egret.policy.Cidr;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The sender of a redirected DNS query, as the kernel recorded it ({@code struct egret_dns_orig}) when the query was
 * sent, so it holds even when the agent cannot see the sender's {@code /proc} (another PID namespace, or it exited).
 *
 * @param cgroupId the bound cgroup: the policed workload (the sender's cgroup or its policed ancestor)
 * @param command  the sending task's command ({@code comm}, at most 15 characters), or null when empty
 * @param resolver the resolver the client asked (the proxy answers in its name)
 */
public record DnsClient(long cgroupId, int pid, String command, InetAddress resolver, int resolverPort) {

    static DnsClient decode(byte[] v) {
        return decode(v, 0);
    }

    /** A {@code struct egret_dns_orig} at {@code at} in {@code v}. */
    static DnsClient decode(byte[] v, int at) {
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
        long cg = b.getLong(at);
        int pid = b.getInt(at + KernelContract.DNS_ORIG_PID);
        byte[] addr = new byte[16];
        b.get(at + KernelContract.DNS_ORIG_ADDR, addr);
        int port = ((v[at + KernelContract.DNS_ORIG_PORT] & 0xff) << 8) | (v[at + KernelContract.DNS_ORIG_PORT + 1] & 0xff);
        int len = 0;
        while (len < KernelContract.COMM_LEN && v[at + KernelContract.DNS_ORIG_COMM + len] != 0) {
            len++;
        }
        String command = len == 0 ? null : new String(v, at + KernelContract.DNS_ORIG_COMM, len, StandardCharsets.UTF_8);
        try {
            return new DnsClient(cg, pid, command, Cidr.unmap(InetAddress.getByAddress(addr)), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
