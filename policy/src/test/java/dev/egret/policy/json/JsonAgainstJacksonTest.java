package dev.egret.policy.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.LinkedHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The agent's own JSON reader and writer against Jackson, the controller's, on the same documents. */
class JsonAgainstJacksonTest {
    private static final ObjectMapper JACKSON = new ObjectMapper();

    @Property(tries = 500)
    void whatTheWriterWritesJacksonReadsTheSame(@ForAll("trees") JsonValue tree) throws Exception {
        String ours = tree.toString();
        JsonNode theirs = JACKSON.readTree(ours);
        assertEquals(theirs.toString(), ours, "the same compact form, escapes included");
        assertEquals(tree, JsonSyntax.parse(theirs.toString()), "what Jackson writes reads back as the same tree");
    }

    @Property(tries = 500)
    void whatJacksonWritesPrettyReadsTheSame(@ForAll("trees") JsonValue tree) throws Exception {
        String pretty = JACKSON.writerWithDefaultPrettyPrinter().writeValueAsString(JACKSON.readTree(tree.toString()));
        assertEquals(tree, JsonSyntax.parse(pretty));
    }

    /** Any text: a tree or a JsonSyntaxException, never another exception (the callers catch only that). */
    @Property(tries = 2000)
    void hostileTextIsATreeOrASyntaxError(@ForAll("junk") String text) {
        boolean jacksonReads;
        try {
            jacksonReads = JACKSON.readTree(text) != null && !text.isBlank();
        } catch (Exception e) {
            jacksonReads = false;
        }
        boolean oursReads;
        try {
            JsonSyntax.parse(text);
            oursReads = true;
        } catch (JsonSyntaxException e) {
            oursReads = false;
        }
        if (oursReads) {
            assertEquals(true, jacksonReads, "we read what Jackson refuses: " + text);
        }
    }

    @Provide
    Arbitrary<String> junk() {
        Arbitrary<String> pieces = Arbitraries.of("{", "}", "[", "]", ",", ":", "\"", "\\", "\"a\"", "1", "-", "0",
                ".5", "e9", "true", "nul", "null", " ", "\n", "\\u00", "\\uD800", "é", "\t", "'", "//");
        return pieces.list().ofMaxSize(12).map(l -> String.join("", l));
    }

    @Provide
    Arbitrary<JsonValue> trees() {
        return tree(4);
    }

    private Arbitrary<JsonValue> tree(int depth) {
        Arbitrary<String> strings = Arbitraries.strings().all().ofMaxLength(12);
        Arbitrary<JsonValue> scalar = Arbitraries.oneOf(
                strings.map(s -> (JsonValue) new JsonValue.JsonString(s)),
                Arbitraries.longs().map(n -> (JsonValue) JsonValue.JsonNumber.of(n)),
                Arbitraries.of(true, false).map(b -> (JsonValue) new JsonValue.JsonBoolean(b)),
                Arbitraries.just(JsonValue.NULL));
        if (depth == 0) {
            return scalar;
        }
        Arbitrary<JsonValue> child = Arbitraries.lazy(() -> tree(depth - 1));
        Arbitrary<JsonValue> array = child.list().ofMaxSize(4).map(l -> (JsonValue) new JsonValue.JsonArray(l));
        Arbitrary<JsonValue> object = Arbitraries.maps(strings, child).ofMaxSize(4)
                .map(m -> (JsonValue) new JsonValue.JsonObject(new LinkedHashMap<>(m)));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, scalar), net.jqwik.api.Tuple.of(1, array), net.jqwik.api.Tuple.of(1, object));
    }
}
