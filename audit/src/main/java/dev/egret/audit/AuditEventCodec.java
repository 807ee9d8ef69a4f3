package dev.egret.audit;

import dev.egret.policy.Verdict;
import dev.egret.policy.json.JsonSyntax;
import dev.egret.policy.json.JsonSyntaxException;
import dev.egret.policy.json.JsonValue;
import dev.egret.policy.json.JsonWriter;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The JSON form of {@link AuditEvent}: field names as in the record, {@code time} and {@code firstSeen} as RFC 3339,
 * {@code kind} and {@code verdict} in lower case ({@code audit-deny}). Absent optional fields are omitted. Used on the
 * wire (HTTP batches and Kafka records) and in the journals (one object per line).
 */
public final class AuditEventCodec {
    private AuditEventCodec() {
    }

    /** Writes the event as one JSON object, streamed: the journal writes a line per event on the agent's path. */
    public static void write(JsonWriter w, AuditEvent e) {
        w.beginObject().field("id", e.id()).field("time", e.time().toString());
        if (!e.firstSeen().equals(e.time())) {
            w.field("firstSeen", e.firstSeen().toString());
        }
        w.field("count", e.count()).field("node", e.node()).field("workload", e.workload())
                .fieldIfPresent("policy", e.policy()).field("cgroupId", e.cgroupId()).field("pid", e.pid())
                .fieldIfPresent("command", e.command()).field("kind", e.kind().wireName())
                .fieldIfPresent("name", e.name()).fieldIfPresent("queryType", e.queryType())
                .fieldIfPresent("address", e.address()).field("port", e.port())
                .fieldIfPresent("protocol", e.protocol()).field("verdict", e.verdict().wireName())
                .fieldIfPresent("rule", e.rule()).fieldIfPresent("reason", e.reason()).endObject();
    }

    public static String toLine(AuditEvent e) {
        JsonWriter w = new JsonWriter();
        write(w, e);
        return w.toString();
    }

    public static String toJsonArray(List<AuditEvent> events) {
        JsonWriter w = new JsonWriter(new StringBuilder(events.size() * 256 + 2)).beginArray();
        events.forEach(e -> write(w, e));
        return w.endArray().toString();
    }

    /** Parses one event; a missing or malformed field is an {@link IllegalArgumentException} naming it. */
    public static AuditEvent fromJson(JsonValue n) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("an event must be a JSON object");
        }
        Instant time = instant(n, "time", true);
        return new AuditEvent(text(n, "id", true), time, instant(n, "firstSeen", false),
                integer(n, "count", 1, 1, Long.MAX_VALUE), text(n, "node", true), text(n, "workload", true),
                text(n, "policy", false), integer(n, "cgroupId", 0, Long.MIN_VALUE, Long.MAX_VALUE),
                (int) integer(n, "pid", 0, 0, Integer.MAX_VALUE), text(n, "command", false), kind(n),
                text(n, "name", false), text(n, "queryType", false), text(n, "address", false),
                (int) integer(n, "port", 0, 0, 65535), text(n, "protocol", false), verdict(n), text(n, "rule", false),
                text(n, "reason", false));
    }

    public static AuditEvent fromLine(String line) {
        return fromJson(parse(line));
    }

    /** A JSON array of events (a batch). */
    public static List<AuditEvent> fromJsonArray(String body) {
        JsonValue root = parse(body);
        if (!root.isArray()) {
            throw new IllegalArgumentException("a batch must be a JSON array of events");
        }
        List<AuditEvent> out = new ArrayList<>(root.size());
        for (int i = 0; i < root.size(); i++) {
            try {
                out.add(fromJson(root.get(i)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("[" + i + "]." + e.getMessage(), e);
            }
        }
        return out;
    }

    private static JsonValue parse(String text) {
        try {
            return JsonSyntax.parse(text == null ? "" : text);
        } catch (JsonSyntaxException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    private static String text(JsonValue n, String field, boolean required) {
        JsonValue v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException(field + ": required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(field + ": must be a string");
        }
        return v.asText();
    }

    private static long integer(JsonValue n, String field, long absent, long min, long max) {
        JsonValue v = n.get(field);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!(v instanceof JsonValue.JsonNumber num) || !num.fitsLong()) {
            throw new IllegalArgumentException(field + ": must be an integer");
        }
        long value = num.longValue();
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + ": " + value + " is out of range " + min + "-" + max);
        }
        return value;
    }

    private static Instant instant(JsonValue n, String field, boolean required) {
        String s = text(n, field, required);
        try {
            return s == null ? null : Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(field + ": not an RFC 3339 time: " + s, e);
        }
    }

    private static AuditEvent.Kind kind(JsonValue n) {
        String s = text(n, "kind", true);
        try {
            return AuditEvent.Kind.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("kind: one of connect, dns, socket, not " + s, e);
        }
    }

    private static Verdict verdict(JsonValue n) {
        String s = text(n, "verdict", true);
        for (Verdict v : Verdict.values()) {
            if (v.wireName().equals(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("verdict: one of allow, deny, audit-deny, not " + s);
    }
}
