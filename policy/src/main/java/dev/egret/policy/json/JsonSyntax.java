package dev.egret.policy.json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 reader: one value per document and nothing after it, no duplicate field in an object, at most
 * {@value #MAX_DEPTH} levels of nesting, no comments, no trailing commas, no control characters in strings.
 */
public final class JsonSyntax {
    public static final int MAX_DEPTH = 64;

    private final String text;
    private int pos;

    private JsonSyntax(String text) {
        this.text = text;
    }

    /** Reads one document; a blank text, or any deviation from the grammar, is a {@link JsonSyntaxException}. */
    public static JsonValue parse(String text) {
        JsonSyntax p = new JsonSyntax(text);
        p.skipSpace();
        if (p.pos == text.length()) {
            throw p.error("empty document");
        }
        JsonValue v = p.value(1);
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("more than one document, or data after the document");
        }
        return v;
    }

    /** Whether {@code s} is a number in JSON's grammar. */
    static boolean isNumber(String s) {
        if (s == null) {
            return false;
        }
        JsonSyntax p = new JsonSyntax(s);
        try {
            p.number();
        } catch (JsonSyntaxException e) {
            return false;
        }
        return p.pos == s.length();
    }

    private JsonValue value(int depth) {
        if (pos >= text.length()) {
            throw error("unexpected end of the document");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> new JsonValue.JsonString(string());
            case 't' -> literal("true", new JsonValue.JsonBoolean(true));
            case 'f' -> literal("false", new JsonValue.JsonBoolean(false));
            case 'n' -> literal("null", JsonValue.NULL);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield new JsonValue.JsonNumber(number());
                }
                throw error("unexpected character " + describe(c));
            }
        };
    }

    private JsonValue object(int depth) {
        nest(depth);
        pos++;
        Map<String, JsonValue> fields = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
            pos++;
            return new JsonValue.JsonObject(fields);
        }
        while (true) {
            skipSpace();
            if (peek() != '"') {
                throw error("expected a field name in double quotes");
            }
            int at = pos;
            String name = string();
            skipSpace();
            expect(':');
            skipSpace();
            JsonValue v = value(depth + 1);
            if (fields.putIfAbsent(name, v) != null) {
                pos = at;
                throw error("duplicate field '" + name + "'");
            }
            skipSpace();
            char c = peek();
            pos++;
            if (c == '}') {
                return new JsonValue.JsonObject(fields);
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}' after a field");
            }
        }
    }

    private JsonValue array(int depth) {
        nest(depth);
        pos++;
        List<JsonValue> items = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            return new JsonValue.JsonArray(items);
        }
        while (true) {
            skipSpace();
            items.add(value(depth + 1));
            skipSpace();
            char c = peek();
            pos++;
            if (c == ']') {
                return new JsonValue.JsonArray(items);
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or ']' after an item");
            }
        }
    }

    private void nest(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("nested more than " + MAX_DEPTH + " levels deep");
        }
    }

    private String string() {
        pos++; // the opening quote
        StringBuilder sb = null;
        int start = pos;
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                String s = sb == null ? text.substring(start, pos) : sb.append(text, start, pos).toString();
                pos++;
                return s;
            }
            if (c < 0x20) {
                throw error("control character " + describe(c) + " in a string: escape it");
            }
            if (c != '\\') {
                pos++;
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder();
            }
            sb.append(text, start, pos);
            if (pos + 1 >= text.length()) {
                throw error("unterminated string");
            }
            char e = text.charAt(pos + 1);
            pos += 2;
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        pos -= 2;
                        throw error("incomplete \\u escape");
                    }
                    int cp = 0;
                    for (int i = 0; i < 4; i++) {
                        char h = text.charAt(pos + i);
                        int d = h < 0x80 ? Character.digit(h, 16) : -1; // ASCII hex digits only
                        if (d < 0) {
                            pos -= 2;
                            throw error("bad \\u escape");
                        }
                        cp = cp * 16 + d;
                    }
                    pos += 4;
                    sb.append((char) cp);
                }
                default -> {
                    pos -= 2;
                    throw error("unknown escape \\" + e);
                }
            }
            start = pos;
        }
    }

    private String number() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (digit(peek())) {
            while (digit(peek())) {
                pos++;
            }
        } else {
            throw error("a number needs a digit");
        }
        if (peek() == '.') {
            pos++;
            if (!digit(peek())) {
                throw error("a number needs a digit after '.'");
            }
            while (digit(peek())) {
                pos++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!digit(peek())) {
                throw error("a number needs a digit in its exponent");
            }
            while (digit(peek())) {
                pos++;
            }
        }
        return text.substring(start, pos);
    }

    private JsonValue literal(String word, JsonValue v) {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected character " + describe(text.charAt(pos)));
        }
        pos += word.length();
        return v;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\uFFFF';
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private static String describe(char c) {
        return c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'";
    }

    private JsonSyntaxException error(String problem) {
        int line = 1;
        int lineStart = 0;
        int end = Math.min(pos, text.length());
        for (int i = 0; i < end; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new JsonSyntaxException(pos >= text.length() && !problem.startsWith("empty")
                ? problem + " (the document ends early)" : problem, line, end - lineStart + 1);
    }
}
