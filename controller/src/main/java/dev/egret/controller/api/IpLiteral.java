package dev.egret.controller.api;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/** Parses IP address literals without ever asking a resolver. */
final class IpLiteral {
    private static final Pattern V4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern V6 = Pattern.compile("[0-9a-fA-F:.]+");

    private IpLiteral() {
    }

    static Optional<InetAddress> parse(String s) {
        if (s == null) {
            return Optional.empty();
        }
        boolean v4 = V4.matcher(s).matches();
        boolean v6 = s.contains(":") && V6.matcher(s).matches();
        if (!v4 && !v6) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(s)); // a literal: no lookup happens
        } catch (UnknownHostException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
