package dev.egret.k8s;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Validates an object against a CRD's openAPIV3Schema the way the API server does with strict field validation
 * (kubectl's default): types, required fields, enums, bounds, patterns (matched anywhere, as Go's regexp does; ours
 * are anchored), anyOf/oneOf, unknown fields refused. CEL rules are the few this CRD uses, each written out in
 * Java below. A keyword or a CEL rule it does not know fails the check, so no constraint is ever silently skipped.
 */
final class StructuralSchema {
    private static final Set<String> KNOWN = Set.of("type", "properties", "required", "items", "enum", "minimum",
            "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems", "additionalProperties", "anyOf",
            "oneOf", "format", "description", "x-kubernetes-int-or-string", "x-kubernetes-validations",
            "x-kubernetes-list-type", "x-kubernetes-list-map-keys");

    /** The CEL rules of the EgressPolicy CRD, in Java. */
    private static final Map<String, Predicate<JsonNode>> CEL = Map.of(
            "!has(self.minTTL) || !has(self.maxTTL) || self.minTTL <= self.maxTTL",
            n -> !n.has("minTTL") || !n.has("maxTTL") || n.get("minTTL").asLong() <= n.get("maxTTL").asLong(),
            "!has(self.endPort) || self.endPort >= self.port",
            n -> !n.has("endPort") || n.get("endPort").asLong() >= n.get("port").asLong(),
            "self.operator in ['Exists', 'DoesNotExist'] || (has(self.values) && size(self.values) > 0)",
            n -> Set.of("Exists", "DoesNotExist").contains(n.get("operator").asText())
                    || (n.has("values") && !n.get("values").isEmpty()));

    private final List<String> errors = new ArrayList<>();

    private StructuralSchema() {
    }

    /** The violations of {@code value}, each starting with its path; empty when valid. */
    static List<String> validate(JsonNode schema, JsonNode value) {
        StructuralSchema s = new StructuralSchema();
        s.check(schema, value, "", true);
        return s.errors;
    }

    private void bad(String path, String message) {
        errors.add((path.isEmpty() ? "<root>" : path) + ": " + message);
    }

    /** {@code structural}: false inside anyOf/oneOf branches, which only add value validations. */
    private void check(JsonNode schema, JsonNode value, String path, boolean structural) {
        for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KNOWN.contains(k)) {
                throw new IllegalStateException("schema keyword '" + k + "' at " + path + " is not understood by "
                        + "this checker: teach it, or the CRD's tests would miss a constraint");
            }
        }
        if (value.isNull()) {
            bad(path, "null is not allowed");
            return;
        }
        if (!typeMatches(schema, value, path)) {
            return;
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) {
                found |= e.equals(value);
            }
            if (!found) {
                bad(path, "Unsupported value: " + value + ": supported values: " + schema.get("enum"));
            }
        }
        if (value.isNumber()) {
            numeric(schema, value, path);
        }
        if (value.isTextual()) {
            string(schema, value.asText(), path);
        }
        if (value.isArray()) {
            array(schema, value, path, structural);
        }
        if (value.isObject()) {
            object(schema, value, path, structural);
        }
        if (schema.has("anyOf")) {
            boolean any = false;
            for (JsonNode branch : schema.get("anyOf")) {
                any |= validate(branch, value, path).isEmpty();
            }
            if (!any) {
                bad(path, "must match at least one of " + schema.get("anyOf"));
            }
        }
        if (schema.has("oneOf")) {
            int n = 0;
            for (JsonNode branch : schema.get("oneOf")) {
                n += validate(branch, value, path).isEmpty() ? 1 : 0;
            }
            if (n != 1) {
                bad(path, "must match exactly one of " + schema.get("oneOf") + ", matches " + n);
            }
        }
        if (schema.has("x-kubernetes-validations")) {
            for (JsonNode rule : schema.get("x-kubernetes-validations")) {
                Predicate<JsonNode> p = CEL.get(rule.get("rule").asText());
                if (p == null) {
                    throw new IllegalStateException("CEL rule at " + path + " is not known to this checker: "
                            + rule.get("rule").asText());
                }
                if (!p.test(value)) {
                    bad(path, rule.path("message").asText("failed rule: " + rule.get("rule").asText()));
                }
            }
        }
    }

    private static List<String> validate(JsonNode schema, JsonNode value, String path) {
        StructuralSchema s = new StructuralSchema();
        s.check(schema, value, path, false);
        return s.errors;
    }

    private boolean typeMatches(JsonNode schema, JsonNode value, String path) {
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            if (!value.isIntegralNumber() && !value.isTextual()) {
                bad(path, "must be an integer or a string");
                return false;
            }
            return true;
        }
        if (!schema.has("type")) {
            return true; // branches of anyOf/oneOf carry value validations only
        }
        String type = schema.get("type").asText();
        boolean ok = switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> throw new IllegalStateException("unknown type " + type + " at " + path);
        };
        if (!ok) {
            bad(path, "Invalid value: " + value + ": must be of type " + type);
        }
        return ok;
    }

    private void numeric(JsonNode schema, JsonNode value, String path) {
        if (schema.has("minimum") && value.asDouble() < schema.get("minimum").asDouble()) {
            bad(path, "should be greater than or equal to " + schema.get("minimum"));
        }
        if (schema.has("maximum") && value.asDouble() > schema.get("maximum").asDouble()) {
            bad(path, "should be less than or equal to " + schema.get("maximum"));
        }
        String format = schema.path("format").asText("");
        if (format.equals("int32") && (value.asLong() < Integer.MIN_VALUE || value.asLong() > Integer.MAX_VALUE
                || !value.canConvertToLong())) {
            bad(path, "out of range for int32");
        } else if (format.equals("int64") && !value.canConvertToLong()) {
            bad(path, "out of range for int64");
        }
    }

    private void string(JsonNode schema, String s, String path) {
        int length = s.codePointCount(0, s.length());
        if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
            bad(path, "should be at least " + schema.get("minLength") + " chars long");
        }
        if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
            bad(path, "may not be more than " + schema.get("maxLength") + " bytes");
        }
        if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(s).find()) {
            bad(path, "Invalid value: \"" + s + "\": should match '" + schema.get("pattern").asText() + "'");
        }
        if (schema.path("format").asText("").equals("date-time")) {
            try {
                OffsetDateTime.parse(s);
            } catch (DateTimeParseException e) {
                bad(path, "not a date-time: " + s);
            }
        }
    }

    private void array(JsonNode schema, JsonNode value, String path, boolean structural) {
        if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
            bad(path, "should have at least " + schema.get("minItems") + " items");
        }
        if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
            bad(path, "must have at most " + schema.get("maxItems") + " items");
        }
        if (schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(schema.get("items"), value.get(i), path + "[" + i + "]", structural);
            }
        }
        if ("map".equals(schema.path("x-kubernetes-list-type").asText(""))) {
            Set<String> seen = new HashSet<>();
            for (JsonNode item : value) {
                StringBuilder key = new StringBuilder();
                for (JsonNode k : schema.get("x-kubernetes-list-map-keys")) {
                    key.append(item.path(k.asText())).append('\0');
                }
                if (!seen.add(key.toString())) {
                    bad(path, "Duplicate value: " + item);
                }
            }
        }
    }

    private void object(JsonNode schema, JsonNode value, String path, boolean structural) {
        JsonNode props = schema.path("properties");
        for (JsonNode r : schema.path("required")) {
            if (!value.hasNonNull(r.asText())) {
                bad(path.isEmpty() ? r.asText() : path + "." + r.asText(), "Required value");
            }
        }
        // the API server validates metadata itself; the CRD may only narrow metadata.name
        boolean metadata = path.equals("metadata");
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            var e = it.next();
            String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            if (e.getValue().isNull()) {
                continue; // the API server prunes nulls of fields that are not nullable
            }
            if (props.has(e.getKey())) {
                check(props.get(e.getKey()), e.getValue(), p, structural);
            } else if (schema.has("additionalProperties")) {
                check(schema.get("additionalProperties"), e.getValue(), p, structural);
            } else if (structural && !metadata) {
                bad(p, "unknown field \"" + p + "\"");
            }
        }
    }
}
