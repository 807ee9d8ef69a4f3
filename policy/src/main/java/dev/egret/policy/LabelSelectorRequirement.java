package dev.egret.policy;

import java.util.List;
import java.util.Map;

/** One {@code matchExpressions} entry: {@code In}, {@code NotIn}, {@code Exists} or {@code DoesNotExist}. */
public record LabelSelectorRequirement(String key, String operator, List<String> values) {
    public static final List<String> OPERATORS = List.of("In", "NotIn", "Exists", "DoesNotExist");

    public LabelSelectorRequirement {
        values = values == null ? List.of() : List.copyOf(values);
    }

    public boolean matches(Map<String, String> labels) {
        String v = labels.get(key);
        return switch (operator) {
            case "In" -> v != null && values.contains(v);
            case "NotIn" -> v == null || !values.contains(v);
            case "Exists" -> v != null;
            case "DoesNotExist" -> v == null;
            default -> false;
        };
    }
}
