package dev.egret.node.datapath;

import dev.egret.policy.Cidr;
import dev.egret.policy.Verdict;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One event from the kernel ({@code struct egret_event}): a denied, audited or (when asked) allowed attempt.
 *
 * @param monotonicNanos CLOCK_MONOTONIC time of the event
 * @param address        the destination, IPv4-mapped addresses unmapped; null for socket-creation events
 */
public record EgressEvent(long monotonicNanos, long cgroupId, int pid, int slot, String comm, InetAddress address,
                          int port, int family, int protocol, Hook hook, Verdict verdict, Reason reason) {

    public enum Hook { CONNECT4, CONNECT6, SENDMSG4, SENDMSG6, SKB, SOCK_CREATE, UNKNOWN }

    public enum Reason {
        ALLOW_RULE("allowed by a CIDR rule"), LEARNED("allowed: IP learned from an allowed DNS answer"),
        DENY_RULE("denied by a deny rule"), DEFAULT_DENY("no egress rule allows it"),
        RAW_SOCKET("raw and packet sockets are not allowed"), UNKNOWN("unknown");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    public static EgressEvent decode(ByteBuffer b) {
        if (b.remaining() < KernelContract.EVENT_SIZE) {
            throw new IllegalArgumentException("short event: " + b.remaining() + " bytes");
        }
        int base = b.position();
        long ts = b.getLong(base + KernelContract.EVENT_TS);
        long cg = b.getLong(base + KernelContract.EVENT_CGROUP);
        int pid = b.getInt(base + KernelContract.EVENT_PID);
        int slot = b.getInt(base + KernelContract.EVENT_SLOT);
        byte[] comm = new byte[KernelContract.COMM_LEN];
        b.get(base + KernelContract.EVENT_COMM, comm);
        int len = 0;
        while (len < comm.length && comm[len] != 0) {
            len++;
        }
        byte[] addr = new byte[16];
        b.get(base + KernelContract.EVENT_ADDR, addr);
        int port = Short.toUnsignedInt(b.getShort(base + KernelContract.EVENT_PORT));
        int family = b.get(base + KernelContract.EVENT_FAMILY);
        int proto = Byte.toUnsignedInt(b.get(base + KernelContract.EVENT_PROTO));
        int hook = b.get(base + KernelContract.EVENT_HOOK);
        int verdict = b.get(base + KernelContract.EVENT_VERDICT);
        int reason = b.get(base + KernelContract.EVENT_REASON);
        InetAddress ip = null;
        if (hook != KernelContract.HOOK_SOCK_CREATE) {
            try {
                ip = Cidr.unmap(InetAddress.getByAddress(addr));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        Hook h = hook >= 1 && hook <= 6 ? Hook.values()[hook - 1] : Hook.UNKNOWN;
        Verdict v = switch (verdict) {
            case KernelContract.VERDICT_ALLOW -> Verdict.ALLOW;
            case KernelContract.VERDICT_AUDIT_DENY -> Verdict.AUDIT_DENY;
            default -> Verdict.DENY;
        };
        Reason r = reason >= 0 && reason <= 4 ? Reason.values()[reason] : Reason.UNKNOWN;
        return new EgressEvent(ts, cg, pid, slot, new String(comm, 0, len, StandardCharsets.UTF_8), ip, port, family,
                proto, h, v, r);
    }

    /** {@code tcp}, {@code udp}, {@code icmp}, {@code icmpv6} or the protocol number. */
    public String protocolName() {
        return switch (protocol) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 1 -> "icmp";
            case 58 -> "icmpv6";
            case 0 -> "ip";
            default -> Integer.toString(protocol);
        };
    }

    @Override
    public String toString() {
        return verdict.wireName() + " " + comm + "[" + pid + "] -> " + (address == null ? "socket" : address.getHostAddress())
                + ":" + port + "/" + protocolName() + " (" + reason.text() + ", " + hook + ") " + Arrays.toString(new int[]{slot});
    }
}
