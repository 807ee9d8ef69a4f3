package dev.egret.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.policy.Verdict;

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
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditEventCodec() {
    }

    public static ObjectNode toJson(AuditEvent e) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", e.id());
        n.put("time", e.time().toString());
        if (!e.firstSeen().equals(e.time())) {
            n.put("firstSeen", e.firstSeen().toString());
        }
        n.put("count", e.count());
        n.put("node", e.node());
        n.put("workload", e.workload());
        putIf(n, "policy", e.policy());
        n.put("cgroupId", e.cgroupId());
        n.put("pid", e.pid());
        putIf(n, "command", e.command());
        n.put("kind", e.kind().wireName());
        putIf(n, "name", e.name());
        putIf(n, "queryType", e.queryType());
        putIf(n, "address", e.address());
        n.put("port", e.port());
        putIf(n, "protocol", e.protocol());
        n.put("verdict", e.verdict().wireName());
        putIf(n, "rule", e.rule());
        putIf(n, "reason", e.reason());
        return n;
    }

    public static String toLine(AuditEvent e) {
        return toJson(e).toString();
    }

    public static String toJsonArray(List<AuditEvent> events) {
        ArrayNode a = JSON.createArrayNode();
        events.forEach(e -> a.add(toJson(e)));
        return a.toString();
    }

    /** Parses one event; a missing or malformed field is an {@link IllegalArgumentException} naming it. */
    public static AuditEvent fromJson(JsonNode n) {
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
        try {
            return fromJson(JSON.readTree(line));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** A JSON array of events (a batch). */
    public static List<AuditEvent> fromJsonArray(String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isArray()) {
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

    private static void putIf(ObjectNode n, String field, String value) {
        if (value != null) {
            n.put(field, value);
        }
    }

    private static String text(JsonNode n, String field, boolean required) {
        JsonNode v = n.get(field);
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

    private static long integer(JsonNode n, String field, long absent, long min, long max) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException(field + ": must be an integer");
        }
        long value = v.asLong();
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + ": " + value + " is out of range " + min + "-" + max);
        }
        return value;
    }

    private static Instant instant(JsonNode n, String field, boolean required) {
        String s = text(n, field, required);
        try {
            return s == null ? null : Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(field + ": not an RFC 3339 time: " + s, e);
        }
    }

    private static AuditEvent.Kind kind(JsonNode n) {
        String s = text(n, "kind", true);
        try {
            return AuditEvent.Kind.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("kind: one of connect, dns, socket, not " + s, e);
        }
    }

    private static Verdict verdict(JsonNode n) {
        String s = text(n, "verdict", true);
        for (Verdict v : Verdict.values()) {
            if (v.wireName().equals(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("verdict: one of allow, deny, audit-deny, not " + s);
    }
}
