package dev.egret.k8s;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough PromQL reading to list the metric names and label matchers an expression uses (Grafana's
 * {@code $variables} allowed). Not a parser: promtool checks the syntax of the rules.
 */
final class PromQl {
    private static final Pattern MATCHER =
            Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,?");
    /** Aggregation operators, which may be followed by "by (...)" before their parenthesis. */
    private static final Set<String> AGGREGATORS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
            "count", "count_values", "bottomk", "topk", "quantile");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "offset", "bool");
    private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

    record LabelMatcher(String label, String op, String value) {
    }

    record Refs(List<String> metrics, List<LabelMatcher> matchers) {
    }

    private PromQl() {
    }

    static Refs refs(String expr) {
        List<String> metrics = new ArrayList<>();
        List<LabelMatcher> matchers = new ArrayList<>();
        int i = 0;
        int n = expr.length();
        while (i < n) {
            char c = expr.charAt(i);
            if (c == '{') {
                int end = expr.indexOf('}', i);
                matchers.addAll(matchers(expr.substring(i + 1, end)));
                i = end + 1;
            } else if (c == '[') {
                i = expr.indexOf(']', i) + 1;
            } else if (c == '"' || c == '\'') {
                i = stringEnd(expr, i);
            } else if (c == '$') {
                i++;
                while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_')) {
                    i++;
                }
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1)))) {
                while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.')) {
                    i++;
                }
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_' || expr.charAt(i) == ':')) {
                    i++;
                }
                String word = expr.substring(start, i);
                int next = i;
                while (next < n && Character.isWhitespace(expr.charAt(next))) {
                    next++;
                }
                boolean call = next < n && expr.charAt(next) == '(';
                if (LABEL_LISTS.contains(word)) {
                    if (call) {
                        i = expr.indexOf(')', next) + 1;
                    }
                } else if (!call && !KEYWORDS.contains(word) && !AGGREGATORS.contains(word)) {
                    metrics.add(word);
                }
            } else {
                i++;
            }
        }
        return new Refs(metrics, matchers);
    }

    private static int stringEnd(String s, int start) {
        char q = s.charAt(start);
        int i = start + 1;
        while (s.charAt(i) != q) {
            i += s.charAt(i) == '\\' ? 2 : 1;
        }
        return i + 1;
    }

    private static List<LabelMatcher> matchers(String body) {
        List<LabelMatcher> out = new ArrayList<>();
        Matcher m = MATCHER.matcher(body);
        int at = 0;
        while (at < body.length() && m.find(at) && m.start() == at) {
            out.add(new LabelMatcher(m.group(1), m.group(2), m.group(3)));
            at = m.end();
        }
        if (!body.substring(at).isBlank()) {
            throw new IllegalArgumentException("cannot read label matchers '" + body + "'");
        }
        return out;
    }
}
