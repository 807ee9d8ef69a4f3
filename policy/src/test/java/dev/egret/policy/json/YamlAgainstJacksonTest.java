package dev.egret.policy.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Plain scalars as the agent's YAML reader types them, against Jackson's YAML reader, which read policies before:
 * a policy file must mean the same after the change. (Where Jackson failed, on {@code .inf} and {@code .nan}, the
 * agent reads a string.)
 */
class YamlAgainstJacksonTest {
    private static final ObjectMapper JACKSON = new ObjectMapper(new YAMLFactory());

    @ParameterizedTest
    @ValueSource(strings = {"443", "-5", "+5", "0", "010", "0x1F", "0o17", "1_000", "089", "0.5", ".5", "1e3", "1.5e3",
            "-0.0", "true", "True", "TRUE", "false", "yes", "No", "on", "OFF", "y", "n", "~", "null", "Null", "''",
            "'443'", "\"true\"", "api.github.com", "'*.github.com'", "10.0.0.0/8", "2001:db8::/32", "TCP", "enforce",
            "1:30", "2026-12-06", "0x", "!!str 443", "a b", "'a: b'"})
    void aScalarMeansWhatItMeantToJackson(String scalar) throws Exception {
        String doc = "v: " + scalar + "\n";
        JsonNode theirs = JACKSON.readTree(doc).get("v");
        JsonValue ours = YamlSyntax.parse(doc).get("v");
        assertEquals(kind(theirs), ours.kind(), doc);
        if (theirs.isNumber()) {
            assertEquals(theirs.decimalValue().stripTrailingZeros(), new java.math.BigDecimal(ours.asText()).stripTrailingZeros(), doc);
        } else if (!theirs.isNull()) {
            assertEquals(theirs.asText(), ours.asText(), doc);
        }
    }

    private static String kind(JsonNode n) {
        return n.isTextual() ? "a string" : n.isNumber() ? "a number" : n.isBoolean() ? "a boolean"
                : n.isNull() ? "nothing" : n.isArray() ? "a list" : "an object";
    }
}
