package dev.egret.policy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 prefix. Host bits are cleared on parsing; a bare address is a host prefix (/32 or /128).
 * IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) are treated as the IPv4 address they carry, both as
 * prefixes and as destinations, so a dual-stack socket cannot slip past an IPv4 rule.
 */
public record Cidr(InetAddress address, int prefixLength) {
    private static final Pattern V4 = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern V6 = Pattern.compile("[0-9a-fA-F:.]+");

    public Cidr {
        int max = address instanceof Inet4Address ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range 0-" + max);
        }
        address = mask(address, prefixLength);
    }

    /** Parses {@code a.b.c.d/n}, {@code x::y/n} or a bare address; throws IllegalArgumentException with the reason. */
    public static Cidr parse(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("empty CIDR");
        }
        String t = s.strip();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        InetAddress ip = parseAddress(addr);
        boolean mapped = addr.contains(":") && ip instanceof Inet4Address;
        int max = ip instanceof Inet4Address && !mapped ? 32 : 128;
        int prefix = max;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (!p.matches("\\d{1,3}")) {
                throw new IllegalArgumentException("'" + s + "': prefix length '" + p + "' is not a number");
            }
            prefix = Integer.parseInt(p);
            if (prefix > max) {
                throw new IllegalArgumentException("'" + s + "': prefix length " + prefix + " is above " + max);
            }
        }
        if (mapped) {
            if (prefix < 96) {
                throw new IllegalArgumentException("'" + s + "': an IPv4-mapped prefix must be /96 or longer");
            }
            prefix -= 96;
        }
        return new Cidr(ip, prefix);
    }

    /** Parses an address literal without ever asking a resolver; throws IllegalArgumentException when invalid. */
    public static InetAddress parseAddress(String s) {
        boolean v4 = V4.matcher(s).matches();
        boolean v6 = s.indexOf(':') >= 0 && V6.matcher(s).matches();
        if (!v4 && !v6) {
            throw new IllegalArgumentException("'" + s + "' is not an IPv4 or IPv6 address");
        }
        try {
            return unmap(InetAddress.getByName(s));
        } catch (UnknownHostException | RuntimeException e) {
            throw new IllegalArgumentException("'" + s + "' is not an IPv4 or IPv6 address");
        }
    }

    /** The IPv4 address inside an IPv4-mapped IPv6 address, else the address itself. */
    public static InetAddress unmap(InetAddress ip) {
        if (ip instanceof Inet6Address) {
            byte[] b = ip.getAddress();
            for (int i = 0; i < 10; i++) {
                if (b[i] != 0) {
                    return ip;
                }
            }
            if ((b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                try {
                    return InetAddress.getByAddress(new byte[]{b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return ip;
    }

    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    public boolean contains(InetAddress ip) {
        InetAddress a = unmap(ip);
        if ((a instanceof Inet4Address) != isIpv4()) {
            return false;
        }
        return mask(a, prefixLength).equals(address);
    }

    private static InetAddress mask(InetAddress ip, int prefix) {
        byte[] b = ip.getAddress();
        for (int i = 0; i < b.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            b[i] &= (byte) (0xff << (8 - bits));
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength;
    }
}
