package dev.egret.policy.json;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes a tree as block-style YAML, two spaces per level. A string stays plain only when it is made of safe
 * characters and would read back as the same string ({@code 80}, {@code true} or {@code ~} are quoted); any other is
 * written double-quoted with JSON's escapes, which YAML reads the same way.
 */
public final class YamlWriter {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./][A-Za-z0-9_./*-]*");

    private YamlWriter() {
    }

    public static String write(JsonValue v) {
        StringBuilder out = new StringBuilder(512);
        if (v.isObject() && v.size() > 0 || v.isArray() && v.size() > 0) {
            block(out, v, 0);
        } else {
            out.append(flow(v)).append('\n');
        }
        return out.toString();
    }

    private static void block(StringBuilder out, JsonValue v, int indent) {
        if (v instanceof JsonValue.JsonObject o) {
            for (Map.Entry<String, JsonValue> e : o.fields().entrySet()) {
                out.repeat(' ', indent).append(scalar(e.getKey())).append(':');
                child(out, e.getValue(), indent + 2);
            }
        } else if (v instanceof JsonValue.JsonArray a) {
            for (JsonValue item : a.items()) {
                out.repeat(' ', indent).append('-');
                child(out, item, indent + 2);
            }
        }
    }

    private static void child(StringBuilder out, JsonValue v, int indent) {
        if ((v.isObject() || v.isArray()) && v.size() > 0) {
            out.append('\n');
            block(out, v, indent);
        } else {
            out.append(' ').append(flow(v)).append('\n');
        }
    }

    /** A scalar, or an empty object or list. */
    private static String flow(JsonValue v) {
        if (v.isObject()) {
            return "{}";
        }
        if (v.isArray()) {
            return "[]";
        }
        return v instanceof JsonValue.JsonString s ? scalar(s.value()) : v.toString();
    }

    private static String scalar(String s) {
        try {
            if (SAFE.matcher(s).matches() && YamlSyntax.parse(s) instanceof JsonValue.JsonString read
                    && read.value().equals(s)) {
                return s;
            }
        } catch (RuntimeException e) { // not plain YAML on its own (e.g. "..."): quoted below
        }
        return new JsonWriter().value(s).toString();
    }
}
