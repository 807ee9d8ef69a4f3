package dev.egret.controller.api;

import dev.egret.controller.store.Precondition;

/** Reads optimistic-concurrency conditions from {@code If-Match} and {@code metadata.resourceVersion}. */
final class Preconditions {
    private Preconditions() {
    }

    /** {@code *} means "must exist"; {@code "7"}, {@code W/"7"} or {@code 7} mean version 7; absent means none. */
    static Precondition fromIfMatch(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String v = header.strip();
        if (v.equals("*")) {
            return Precondition.mustExist();
        }
        if (v.startsWith("W/")) {
            v = v.substring(2);
        }
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
        }
        return parse(v, "If-Match");
    }

    static Precondition fromBodyVersion(String v) {
        return parse(v, "metadata.resourceVersion");
    }

    private static Precondition parse(String v, String field) {
        try {
            long n = Long.parseLong(v);
            if (n >= 0) {
                return Precondition.version(n);
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error
        }
        throw ApiException.badField(field, "'" + v + "' is not a resource version (a non-negative integer)");
    }
}
