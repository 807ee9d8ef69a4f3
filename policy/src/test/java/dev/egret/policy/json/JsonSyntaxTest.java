package dev.egret.policy.json;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonSyntaxTest {
    @Test
    void readsEveryKindOfValueInDocumentOrder() {
        JsonValue v = JsonSyntax.parse(" {\"b\": [1, -2.5e3, \"x\\u00e9\\n\\\"\"], \"a\": {\"t\": true, \"f\": false, \"n\": null}} ");
        assertEquals(List.of("b", "a"), List.copyOf(((JsonValue.JsonObject) v).fields().keySet()));
        JsonValue b = v.get("b");
        assertEquals(3, b.size());
        assertTrue(b.get(0).isIntegralNumber());
        assertEquals(1, ((JsonValue.JsonNumber) b.get(0)).longValue());
        assertTrue(b.get(1).isNumber());
        assertFalse(b.get(1).isIntegralNumber());
        assertEquals("-2.5e3", b.get(1).asText(), "a number as written");
        assertEquals("xé\n\"", b.get(2).asText());
        assertTrue(v.get("a").get("t") instanceof JsonValue.JsonBoolean t && t.value());
        assertTrue(v.get("a").get("n").isNull());
        assertNull(v.get("missing"));
        assertNull(b.get(3));
        assertNull(b.get("x"), "a field of a list is absent, not an error");
        assertEquals("{\"b\":[1,-2.5e3,\"xé\\n\\\"\"],\"a\":{\"t\":true,\"f\":false,\"n\":null}}", v.toString());
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("{\"a\":1,\"a\":2}", "duplicate field 'a'", 1, 8),
                Arguments.of("{\"a\":1} {}", "more than one document, or data after the document", 1, 9),
                Arguments.of("{\"a\":1,}", "expected a field name in double quotes", 1, 8),
                Arguments.of("[1,2", "expected ',' or ']' after an item (the document ends early)", 1, 5),
                Arguments.of("{\"a\":\n  tru}", "unexpected character 't'", 2, 3),
                Arguments.of("[01]", "expected ',' or ']' after an item", 1, 3),
                Arguments.of("[1.]", "a number needs a digit after '.'", 1, 4),
                Arguments.of("\"a\\x\"", "unknown escape \\x", 1, 3),
                Arguments.of("// c\n{}", "unexpected character '/'", 1, 1),
                Arguments.of("'a'", "unexpected character '''", 1, 1),
                Arguments.of("\"\\u\u0661\u0662\u0663\u0664\"", "bad \\u escape", 1, 2));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void refusesWhatRfc8259Refuses(String text, String problem, int line, int column) {
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> JsonSyntax.parse(text));
        assertEquals(problem, e.problem());
        assertEquals(line, e.line());
        assertEquals(column, e.column());
    }

    @Test
    void refusesRawControlCharactersAndDeepNestingAndNothing() {
        assertTrue(assertThrows(JsonSyntaxException.class, () -> JsonSyntax.parse("\"a\tb\""))
                .problem().startsWith("control character U+0009"));
        String deep = "[".repeat(JsonSyntax.MAX_DEPTH) + "]".repeat(JsonSyntax.MAX_DEPTH);
        assertEquals(1, JsonSyntax.parse(deep).size());
        String tooDeep = "[" + deep + "]";
        assertEquals("nested more than 64 levels deep",
                assertThrows(JsonSyntaxException.class, () -> JsonSyntax.parse(tooDeep)).problem());
        String hostile = "[".repeat(100_000);
        assertThrows(JsonSyntaxException.class, () -> JsonSyntax.parse(hostile), "no stack overflow");
        assertEquals("empty document", assertThrows(JsonSyntaxException.class, () -> JsonSyntax.parse(" \n")).problem());
    }

    @Test
    void numbersSayWhetherTheyFit() {
        JsonValue.JsonNumber big = (JsonValue.JsonNumber) JsonSyntax.parse("9223372036854775808");
        assertTrue(big.isIntegralNumber());
        assertFalse(big.fitsLong());
        JsonValue.JsonNumber longOnly = (JsonValue.JsonNumber) JsonSyntax.parse("2147483648");
        assertTrue(longOnly.fitsLong());
        assertFalse(longOnly.fitsInt());
        assertTrue(((JsonValue.JsonNumber) JsonSyntax.parse("-2147483648")).fitsInt());
        assertFalse(((JsonValue.JsonNumber) JsonSyntax.parse("1e2")).fitsLong(), "an exponent is not an integer");
        assertThrows(IllegalArgumentException.class, () -> new JsonValue.JsonNumber("1_000"));
    }

    @Property(tries = 300)
    void anyStringRoundTripsThroughTheWriter(@ForAll String s, @ForAll long n) {
        String text = new JsonWriter().beginObject().field(s, s).field("n", n).name("l").beginArray().value(s)
                .value(true).value((String) null).endArray().endObject().toString();
        JsonValue v = JsonSyntax.parse(text);
        assertEquals(s, v.get(s).asText());
        assertEquals(n, ((JsonValue.JsonNumber) v.get("n")).longValue());
        assertEquals(s, v.get("l").get(0).asText());
        assertTrue(v.get("l").get(2).isNull());
        assertEquals(text, v.toString(), "the tree writes back what it read");
    }
}
