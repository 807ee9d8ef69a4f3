package dev.egret.policy;

import java.util.Locale;

/** DNS name rules shared by the matcher, the validator and the DNS proxy. */
public final class DnsNames {
    public static final int MAX_NAME = 253;
    public static final int MAX_LABEL = 63;

    private DnsNames() {
    }

    /** Lower case, without the trailing dot. */
    public static String normalize(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /** Throws IllegalArgumentException naming the problem unless {@code name} (normalized) is a valid DNS name. */
    public static void validate(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty name");
        }
        if (name.length() > MAX_NAME) {
            throw new IllegalArgumentException("name longer than " + MAX_NAME + " characters (" + name.length() + ")");
        }
        int start = 0;
        for (int i = 0; i <= name.length(); i++) {
            if (i == name.length() || name.charAt(i) == '.') {
                int len = i - start;
                if (len == 0) {
                    throw new IllegalArgumentException("empty label in '" + name + "'");
                }
                if (len > MAX_LABEL) {
                    throw new IllegalArgumentException("label longer than " + MAX_LABEL + " characters in '" + name + "'");
                }
                start = i + 1;
            } else if (!isLabelChar(name.charAt(i))) {
                throw new IllegalArgumentException("character '" + name.charAt(i) + "' not allowed in '" + name + "'");
            }
        }
    }

    static boolean isLabelChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }
}
