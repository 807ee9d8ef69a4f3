package dev.egret.controller.api;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Parses query parameters; a bad one is a 400 naming it. */
final class QueryParams {
    private QueryParams() {
    }

    static long integer(String field, String value, long absent, long min, long max) {
        if (value == null || value.isEmpty()) {
            return absent;
        }
        try {
            long v = Long.parseLong(value.strip());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw ApiException.badField(field, "'" + value + "' is not an integer from " + min + " to " + max);
    }

    static boolean bool(String field, String value) {
        if (value == null || value.isEmpty() || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw ApiException.badField(field, "'" + value + "' is not true or false");
    }

    /** An RFC 3339 time ({@code 2026-11-25T10:00:00Z} or with an offset). */
    static Instant time(String field, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value.strip().replace(' ', '+')).toInstant(); // a "+" offset decoded as a space
        } catch (DateTimeParseException e) {
            throw ApiException.badField(field, "'" + value + "' is not an RFC 3339 time (e.g. 2026-11-25T10:00:00Z)");
        }
    }
}
