package dev.egret.controller.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;

/**
 * A position in the newest-first order of the audit stream: an event's time and its arrival sequence number.
 * Serialized as an opaque URL-safe token.
 */
public record AuditCursor(Instant time, long seq) {
    /** Newest first: later time first, then later arrival first. */
    public static final Comparator<AuditCursor> NEWEST_FIRST = Comparator.comparing(AuditCursor::time).reversed()
            .thenComparing(Comparator.comparingLong(AuditCursor::seq).reversed());

    public String token() {
        String raw = "v1:" + time.getEpochSecond() + ":" + time.getNano() + ":" + seq;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** Parses a token; IllegalArgumentException when it is not one. */
    public static AuditCursor parse(String token) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            String[] p = raw.split(":");
            if (p.length != 4 || !p[0].equals("v1")) {
                throw new IllegalArgumentException("not a continue token");
            }
            return new AuditCursor(Instant.ofEpochSecond(Long.parseLong(p[1]), Long.parseLong(p[2])),
                    Long.parseLong(p[3]));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a continue token of this API", e);
        }
    }
}
