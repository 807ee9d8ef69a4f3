package dev.egret.policy.json;

import java.util.Map;

/**
 * Writes compact JSON as it goes (no tree): objects and arrays are opened and closed in order, commas are placed by
 * the writer. Strings are escaped as RFC 8259 requires: quote, backslash and the control characters, nothing else.
 */
public final class JsonWriter {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private final StringBuilder out;
    /** Whether the innermost open object or array still has no member; bit i for level i (up to 64 levels). */
    private long empty;
    private int depth;
    private boolean afterName;

    public JsonWriter() {
        this(new StringBuilder(256));
    }

    public JsonWriter(StringBuilder out) {
        this.out = out;
    }

    public JsonWriter beginObject() {
        return open('{');
    }

    public JsonWriter endObject() {
        return close('}');
    }

    public JsonWriter beginArray() {
        return open('[');
    }

    public JsonWriter endArray() {
        return close(']');
    }

    /** The name of the next field of the open object. */
    public JsonWriter name(String name) {
        separate();
        quote(out, name);
        out.append(':');
        afterName = true;
        return this;
    }

    /** A string, or null. */
    public JsonWriter value(String s) {
        separate();
        if (s == null) {
            out.append("null");
        } else {
            quote(out, s);
        }
        return this;
    }

    public JsonWriter value(long n) {
        separate();
        out.append(n);
        return this;
    }

    public JsonWriter value(boolean b) {
        separate();
        out.append(b);
        return this;
    }

    /** A value that is already JSON text, written as it is. */
    public JsonWriter raw(String json) {
        separate();
        out.append(json);
        return this;
    }

    /** A whole tree. */
    public JsonWriter value(JsonValue v) {
        switch (v) {
            case JsonValue.JsonObject o -> {
                beginObject();
                for (Map.Entry<String, JsonValue> e : o.fields().entrySet()) {
                    name(e.getKey()).value(e.getValue());
                }
                endObject();
            }
            case JsonValue.JsonArray a -> {
                beginArray();
                a.items().forEach(this::value);
                endArray();
            }
            case JsonValue.JsonString s -> value(s.value());
            case JsonValue.JsonNumber n -> raw(n.text());
            case JsonValue.JsonBoolean b -> value(b.value());
            case JsonValue.JsonNull ignored -> raw("null");
        }
        return this;
    }

    public JsonWriter field(String name, String value) {
        return name(name).value(value);
    }

    public JsonWriter field(String name, long value) {
        return name(name).value(value);
    }

    /** An integer that may be absent: null is written as null. */
    public JsonWriter field(String name, Number value) {
        name(name);
        if (value == null) {
            return raw("null");
        }
        if (!(value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte)) {
            throw new IllegalArgumentException("not an integer: " + value.getClass().getName());
        }
        return raw(value.toString());
    }

    public JsonWriter field(String name, boolean value) {
        return name(name).value(value);
    }

    /** The field only when {@code value} is not null. */
    public JsonWriter fieldIfPresent(String name, String value) {
        return value == null ? this : name(name).value(value);
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private JsonWriter open(char c) {
        separate();
        if (depth >= 63) {
            throw new IllegalStateException("nested too deep");
        }
        out.append(c);
        depth++;
        empty |= 1L << depth;
        return this;
    }

    private JsonWriter close(char c) {
        if (depth == 0) {
            throw new IllegalStateException("nothing open to close");
        }
        out.append(c);
        empty &= ~(1L << depth);
        depth--;
        return this;
    }

    private void separate() {
        if (afterName) {
            afterName = false;
            return;
        }
        if (depth > 0) {
            long bit = 1L << depth;
            if ((empty & bit) != 0) {
                empty &= ~bit;
            } else {
                out.append(',');
            }
        }
    }

    /** Appends {@code s} as a JSON string. */
    public static void quote(StringBuilder out, String s) {
        out.append('"');
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(s, start, i);
            start = i + 1;
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        out.append(s, start, s.length()).append('"');
    }
}
