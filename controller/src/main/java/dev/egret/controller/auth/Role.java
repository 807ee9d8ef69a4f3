package dev.egret.controller.auth;

import java.util.Locale;

/** What a token may do. */
public enum Role {
    /** Reads policies, changes, decisions. */
    VIEWER,
    /** Everything a viewer may, plus policy writes. */
    ADMIN,
    /** A node agent: reads policies, writes events and registrations, nothing else. */
    NODE;

    public static Role parse(String s) {
        try {
            return Role.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown role '" + s + "' (expected viewer, admin or node)");
        }
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
