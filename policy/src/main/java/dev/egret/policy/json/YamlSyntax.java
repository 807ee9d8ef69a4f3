package dev.egret.policy.json;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads one YAML document into the same tree as JSON, from SnakeYAML's events. Plain scalars are typed as Jackson's
 * YAML reader, which read policies before, typed them ({@code 80} a number, {@code true} and YAML 1.1's {@code yes},
 * {@code on} booleans, {@code 010} octal, {@code ~} null; {@code YamlAgainstJacksonTest}); quoted ones are strings.
 * Refused: aliases ({@code *name}: a policy written with anchors would be read differently by other tools than the
 * author meant, so the value must be written out), a field given twice, more than one document, nesting deeper than
 * {@value JsonSyntax#MAX_DEPTH} levels, and non-scalar field names.
 */
public final class YamlSyntax {
    private static final String STR = "tag:yaml.org,2002:str";
    /** Decimal: 0 or no leading zero (YAML 1.1 reads a leading zero as octal, as Jackson did: {@code 010} is 8). */
    private static final Pattern DEC = Pattern.compile("[-+]?(0|[1-9][0-9_]*)");
    private static final Pattern OCT_11 = Pattern.compile("[-+]?0_*[0-7][0-7_]*");
    private static final Pattern HEX = Pattern.compile("[-+]?0x_*[0-9a-fA-F][0-9a-fA-F_]*");
    /** A fraction or an exponent is what makes a float: {@code 089} is neither an integer nor a float, a string. */
    private static final Pattern FLOAT = Pattern.compile(
            "[-+]?(\\.[0-9]+|[0-9][0-9_]*\\.[0-9_]*)([eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+");
    /** Longer numbers are read as strings (Jackson refused numbers over 1000 characters). */
    private static final int MAX_NUMBER = 1000;

    private final Parser parser;

    private YamlSyntax(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        this.parser = new ParserImpl(new StreamReader(text), options);
    }

    /** Reads the only document of {@code text}; an empty document is {@link JsonValue#NULL}. */
    public static JsonValue parse(String text) {
        if (text == null || text.isBlank()) {
            throw new JsonSyntaxException("empty document", 0, 0);
        }
        try {
            return new YamlSyntax(text).document();
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
            throw m == null ? new JsonSyntaxException(problem, 0, 0)
                    : new JsonSyntaxException(problem, m.getLine() + 1, m.getColumn() + 1);
        } catch (YAMLException e) {
            throw new JsonSyntaxException(String.valueOf(e.getMessage()), 0, 0);
        }
    }

    private JsonValue document() {
        expect(Event.ID.StreamStart);
        if (parser.checkEvent(Event.ID.StreamEnd)) {
            throw new JsonSyntaxException("empty document", 0, 0);
        }
        expect(Event.ID.DocumentStart);
        JsonValue root = node(1);
        expect(Event.ID.DocumentEnd);
        if (!parser.checkEvent(Event.ID.StreamEnd)) {
            throw error("more than one document, or data after the document", parser.peekEvent());
        }
        return root;
    }

    private JsonValue node(int depth) {
        Event e = parser.getEvent();
        if (e instanceof AliasEvent a) {
            throw error("YAML alias '*" + a.getAnchor() + "' is not supported: write the value out (anchors and"
                    + " aliases would be read as plain strings)", e);
        }
        if (e instanceof ScalarEvent s) {
            return scalar(s);
        }
        if (depth > JsonSyntax.MAX_DEPTH) {
            throw error("nested more than " + JsonSyntax.MAX_DEPTH + " levels deep", e);
        }
        if (e.is(Event.ID.SequenceStart)) {
            List<JsonValue> items = new ArrayList<>();
            while (!parser.checkEvent(Event.ID.SequenceEnd)) {
                items.add(node(depth + 1));
            }
            parser.getEvent();
            return new JsonValue.JsonArray(items);
        }
        if (e.is(Event.ID.MappingStart)) {
            Map<String, JsonValue> fields = new LinkedHashMap<>();
            while (!parser.checkEvent(Event.ID.MappingEnd)) {
                Event k = parser.getEvent();
                if (!(k instanceof ScalarEvent key)) {
                    throw error(k instanceof AliasEvent a ? "YAML alias '*" + a.getAnchor() + "' is not supported:"
                            + " write the value out" : "a field name must be a plain value", k);
                }
                JsonValue v = node(depth + 1);
                if (fields.putIfAbsent(key.getValue(), v) != null) {
                    throw error("duplicate field '" + key.getValue() + "'", k);
                }
            }
            parser.getEvent();
            return new JsonValue.JsonObject(fields);
        }
        throw error("unexpected " + e.getEventId(), e);
    }

    private static JsonValue scalar(ScalarEvent s) {
        String v = s.getValue();
        if (!s.isPlain() || STR.equals(s.getTag()) || "!".equals(s.getTag())) { // quoted, a block, or tagged !!str
            return new JsonValue.JsonString(v);
        }
        switch (v) {
            case "", "~", "null", "Null", "NULL" -> {
                return JsonValue.NULL;
            }
            case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON" -> { // YAML 1.1's, as Jackson read them
                return new JsonValue.JsonBoolean(true);
            }
            case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF" -> {
                return new JsonValue.JsonBoolean(false);
            }
            default -> {
                JsonValue n = number(v);
                return n != null ? n : new JsonValue.JsonString(v);
            }
        }
    }

    private static JsonValue number(String v) {
        if (v.length() > MAX_NUMBER) {
            return null;
        }
        boolean negative = v.startsWith("-");
        String unsigned = v.startsWith("-") || v.startsWith("+") ? v.substring(1) : v;
        if (DEC.matcher(v).matches()) {
            String digits = unsigned.replace("_", "");
            return new JsonValue.JsonNumber(negative && !digits.equals("0") ? "-" + digits : digits);
        }
        if (HEX.matcher(v).matches()) {
            return integer(negative, unsigned.substring(2), 16);
        }
        if (OCT_11.matcher(v).matches()) {
            return integer(negative, unsigned.substring(1), 8);
        }
        if (FLOAT.matcher(v).matches()) {
            double d = Double.parseDouble(v.replace("_", ""));
            if (Double.isFinite(d)) {
                return new JsonValue.JsonNumber(Double.toString(d));
            }
        }
        return null;
    }

    private static JsonValue integer(boolean negative, String digits, int radix) {
        BigInteger n = new BigInteger(digits.replace("_", ""), radix);
        return new JsonValue.JsonNumber((negative ? n.negate() : n).toString());
    }

    private void expect(Event.ID id) {
        Event e = parser.getEvent();
        if (!e.is(id)) {
            throw error("unexpected " + e.getEventId(), e);
        }
    }

    private static JsonSyntaxException error(String problem, Event at) {
        Mark m = at.getStartMark();
        return m == null ? new JsonSyntaxException(problem, 0, 0)
                : new JsonSyntaxException(problem, m.getLine() + 1, m.getColumn() + 1);
    }
}
