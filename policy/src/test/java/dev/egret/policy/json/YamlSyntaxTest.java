package dev.egret.policy.json;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class YamlSyntaxTest {
    @Test
    void typesPlainScalarsAsTheCoreSchemaDoesAndQuotedOnesAsStrings() {
        JsonValue v = YamlSyntax.parse("""
                port: 443
                quoted: "443"
                hex: 0x1F
                big: 1_000
                half: 0.5
                on: true
                yes: yes
                off: Off
                octal: 010
                zip: 089
                negHex: -0x1F
                notHex: 0x_
                none: ~
                empty:
                name: api.github.com
                pattern: "*.github.com"
                list: [a, 'b', 3]
                block: |
                  two
                  lines
                """);
        assertEquals("{\"port\":443,\"quoted\":\"443\",\"hex\":31,\"big\":1000,\"half\":0.5,\"on\":true,"
                + "\"yes\":true,\"off\":false,\"octal\":8,\"zip\":\"089\",\"negHex\":-31,\"notHex\":\"0x_\",\"none\":null,\"empty\":null,\"name\":\"api.github.com\",\"pattern\":\"*.github.com\","
                + "\"list\":[\"a\",\"b\",3],\"block\":\"two\\nlines\\n\"}", v.toString());
        assertTrue(YamlSyntax.parse("!!str 80").isTextual(), "a tag says string");
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("a: &x 1\nb: *x", "YAML alias '*x' is not supported: write the value out (anchors and aliases would be read as plain strings)", 2, 4),
                Arguments.of("a: 1\na: 2", "duplicate field 'a'", 2, 1),
                Arguments.of("a: 1\n---\nb: 2", "more than one document, or data after the document", 2, 1),
                Arguments.of("{[a]: 1}", "a field name must be a plain value", 1, 2),
                Arguments.of("a: [b\n  c: : :", "expected ',' or ']', but got :", 2, 4));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void refusesWhatCannotMeanOneThing(String text, String problem, int line, int column) {
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> YamlSyntax.parse(text));
        assertEquals(problem, e.problem());
        assertEquals(line, e.line());
        assertEquals(column, e.column());
    }

    @Test
    void refusesDeepNestingAndEmptyStreams() {
        String deep = "[".repeat(JsonSyntax.MAX_DEPTH + 1) + "]".repeat(JsonSyntax.MAX_DEPTH + 1);
        assertEquals("nested more than 64 levels deep",
                assertThrows(JsonSyntaxException.class, () -> YamlSyntax.parse(deep)).problem());
        assertEquals("empty document", assertThrows(JsonSyntaxException.class, () -> YamlSyntax.parse("# only\n")).problem());
        assertTrue(YamlSyntax.parse("---\n").isNull(), "an empty document is null");
    }

    @Test
    void aNumberTooLongIsAStringNotAComputation() {
        String digits = "1".repeat(1001);
        assertTrue(YamlSyntax.parse("n: " + digits).get("n").isTextual());
        assertTrue(YamlSyntax.parse("n: " + digits.substring(1)).get("n").isIntegralNumber());
    }

    @Test
    void theWriterWritesYamlThatReadsBackTheSame() {
        JsonValue v = JsonSyntax.parse("{\"a\":{\"n\":80,\"s\":\"80\",\"t\":\"true\",\"p\":\"*.x.com\",\"e\":\"\",\"q\":\"a: b #c\","
                + "\"l\":[{\"k\":1},\"x\",[]],\"o\":{},\"nl\":\"x\\ny\",\"u\":\"é\",\"dots\":\"...\",\"yes\":\"yes\"},\"b\":null}");
        String yaml = YamlWriter.write(v);
        assertEquals(v, YamlSyntax.parse(yaml), yaml);
        assertTrue(yaml.contains("\n  n: 80\n  s: \"80\"\n  t: \"true\"\n  p: \"*.x.com\"\n"), yaml);
    }
}
