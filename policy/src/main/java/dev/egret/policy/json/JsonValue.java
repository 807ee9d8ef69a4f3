package dev.egret.policy.json;

import java.util.List;
import java.util.Map;

/**
 * A JSON (or YAML) document as a tree, read with {@link JsonSyntax} or {@link YamlSyntax}. Navigation never throws:
 * {@link #get(String)} on a missing field, or on something that is not an object, is null, so a reader can name
 * what is wrong instead of failing on the first surprise. Objects keep their fields in document order.
 *
 * <p>Egret's own, so the node agent reads its policies and journals without a JSON framework's few hundred classes
 * of metadata on every node.
 */
public sealed interface JsonValue {
    JsonNull NULL = new JsonNull();

    /** The value of a field of an object; null when absent or when this is not an object. */
    default JsonValue get(String field) {
        return null;
    }

    /** An item of an array; null when out of range or when this is not an array. */
    default JsonValue get(int index) {
        return null;
    }

    /** The number of items or fields; 0 for a scalar. */
    default int size() {
        return 0;
    }

    default boolean isObject() {
        return false;
    }

    default boolean isArray() {
        return false;
    }

    default boolean isTextual() {
        return false;
    }

    default boolean isNumber() {
        return false;
    }

    /** A number written without a fraction or an exponent. */
    default boolean isIntegralNumber() {
        return false;
    }

    default boolean isBoolean() {
        return false;
    }

    default boolean isNull() {
        return false;
    }

    /** A string's value, a number or a boolean as written, "null" for null; "" for an object or an array. */
    String asText();

    /** What this is, for messages: "an object", "a list", "a string", "a number", "a boolean", "nothing". */
    String kind();

    /** The compact JSON text of this value. */
    @Override
    String toString();

    record JsonObject(Map<String, JsonValue> fields) implements JsonValue {
        public JsonObject {
            fields = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields));
        }

        @Override
        public JsonValue get(String field) {
            return fields.get(field);
        }

        @Override
        public int size() {
            return fields.size();
        }

        @Override
        public boolean isObject() {
            return true;
        }

        @Override
        public String asText() {
            return "";
        }

        @Override
        public String kind() {
            return "an object";
        }

        @Override
        public String toString() {
            return new JsonWriter().value(this).toString();
        }
    }

    record JsonArray(List<JsonValue> items) implements JsonValue {
        public JsonArray {
            items = List.copyOf(items);
        }

        @Override
        public JsonValue get(int index) {
            return index >= 0 && index < items.size() ? items.get(index) : null;
        }

        @Override
        public int size() {
            return items.size();
        }

        @Override
        public boolean isArray() {
            return true;
        }

        @Override
        public String asText() {
            return "";
        }

        @Override
        public String kind() {
            return "a list";
        }

        @Override
        public String toString() {
            return new JsonWriter().value(this).toString();
        }
    }

    record JsonString(String value) implements JsonValue {
        public JsonString {
            java.util.Objects.requireNonNull(value);
        }

        @Override
        public boolean isTextual() {
            return true;
        }

        @Override
        public String asText() {
            return value;
        }

        @Override
        public String kind() {
            return "a string";
        }

        @Override
        public String toString() {
            return new JsonWriter().value(value).toString();
        }
    }

    /** A number as written: {@code text} follows JSON's number grammar. */
    record JsonNumber(String text) implements JsonValue {
        public JsonNumber {
            if (!JsonSyntax.isNumber(text)) {
                throw new IllegalArgumentException("not a JSON number: " + text);
            }
        }

        public static JsonNumber of(long value) {
            return new JsonNumber(Long.toString(value));
        }

        @Override
        public boolean isNumber() {
            return true;
        }

        @Override
        public boolean isIntegralNumber() {
            return text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
        }

        /** Whether this is an integer that fits a long. */
        public boolean fitsLong() {
            if (!isIntegralNumber()) {
                return false;
            }
            try {
                Long.parseLong(text);
                return true;
            } catch (NumberFormatException e) {
                return false;
            }
        }

        /** Whether this is an integer that fits an int. */
        public boolean fitsInt() {
            return fitsLong() && Long.parseLong(text) == (int) Long.parseLong(text);
        }

        /** The value of an integer that {@link #fitsLong() fits a long}. */
        public long longValue() {
            return Long.parseLong(text);
        }

        @Override
        public String asText() {
            return text;
        }

        @Override
        public String kind() {
            return "a number";
        }

        @Override
        public String toString() {
            return text;
        }
    }

    record JsonBoolean(boolean value) implements JsonValue {
        @Override
        public boolean isBoolean() {
            return true;
        }

        @Override
        public String asText() {
            return Boolean.toString(value);
        }

        @Override
        public String kind() {
            return "a boolean";
        }

        @Override
        public String toString() {
            return asText();
        }
    }

    /** JSON's null, and YAML's ({@code ~}, {@code null} or an empty value): {@link #NULL}. */
    final class JsonNull implements JsonValue {
        private JsonNull() {
        }

        @Override
        public boolean isNull() {
            return true;
        }

        @Override
        public String asText() {
            return "null";
        }

        @Override
        public String kind() {
            return "nothing";
        }

        @Override
        public String toString() {
            return "null";
        }
    }
}
