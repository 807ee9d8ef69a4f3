package dev.egret.policy;

import java.util.Arrays;

/**
 * A compiled {@code matchName} or {@code matchPattern}, with Cilium's semantics: {@code *} matches zero or more
 * characters within one label, a leading {@code **.} matches one or more whole labels, a lone {@code *} matches
 * every name. Names are compared case-insensitively, with or without the trailing dot; label boundaries always hold.
 */
public final class NamePattern {
    private final String source;
    private final boolean matchAll;
    private final boolean multiLabelPrefix;
    private final String[] labels; // pattern labels after any leading "**."

    private NamePattern(String source, boolean matchAll, boolean multiLabelPrefix, String[] labels) {
        this.source = source;
        this.matchAll = matchAll;
        this.multiLabelPrefix = multiLabelPrefix;
        this.labels = labels;
    }

    /** An exact name; throws IllegalArgumentException when it is not a valid DNS name. */
    public static NamePattern exact(String name) {
        String n = DnsNames.normalize(name == null ? "" : name.strip());
        DnsNames.validate(n);
        return new NamePattern(name, false, false, n.split("\\.", -1));
    }

    /** A pattern; throws IllegalArgumentException naming the problem when invalid. */
    public static NamePattern compile(String pattern) {
        if (pattern == null || pattern.isBlank()) {
            throw new IllegalArgumentException("empty pattern");
        }
        String p = DnsNames.normalize(pattern.strip());
        if (p.equals("*")) {
            return new NamePattern(pattern, true, false, new String[0]);
        }
        boolean multi = p.startsWith("**.");
        String rest = multi ? p.substring(3) : p;
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("'**.' must be followed by at least one label");
        }
        if (rest.contains("**")) {
            throw new IllegalArgumentException("'**' is only allowed as the whole first label ('**.example.com')");
        }
        String literal = rest.replace('*', 'a');
        try {
            DnsNames.validate(literal);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replace(literal, rest));
        }
        if (p.length() > DnsNames.MAX_NAME) {
            throw new IllegalArgumentException("pattern longer than " + DnsNames.MAX_NAME + " characters");
        }
        return new NamePattern(pattern, false, multi, rest.split("\\.", -1));
    }

    public String source() {
        return source;
    }

    public boolean matches(String name) {
        if (name == null || name.isEmpty()) {
            return false;
        }
        String n = DnsNames.normalize(name);
        if (n.isEmpty() || n.length() > DnsNames.MAX_NAME) {
            return false;
        }
        if (matchAll) {
            return true;
        }
        // the pattern's labels against the name's last labels, right to left, without splitting the name
        int end = n.length(); // the end of the name's label under test; -1 once every label was used
        for (int i = labels.length - 1; i >= 0; i--) {
            if (end < 0) {
                return false; // fewer labels than the pattern
            }
            int dot = n.lastIndexOf('.', end - 1);
            if (!Glob.matchLabel(labels[i], n, dot + 1, end)) {
                return false;
            }
            end = dot;
        }
        if (!multiLabelPrefix) {
            return end < 0;
        }
        if (end <= 0) {
            return false; // "**." needs at least one more label, and a non-empty one
        }
        for (int i = 0, start = 0; i <= end; i++) {
            if (i == end || n.charAt(i) == '.') {
                if (i == start) {
                    return false; // an empty label
                }
                start = i + 1;
            }
        }
        return true;
    }

    /** The trailing labels without wildcards (e.g. "github.com" for "*.github.com"), used to index patterns. */
    String literalSuffix() {
        int i = labels.length;
        while (i > 0 && labels[i - 1].indexOf('*') < 0) {
            i--;
        }
        return String.join(".", Arrays.copyOfRange(labels, i, labels.length));
    }

    boolean matchesAll() {
        return matchAll;
    }

    boolean isExact() {
        return !matchAll && !multiLabelPrefix && Arrays.stream(labels).noneMatch(l -> l.indexOf('*') >= 0);
    }

    String exactName() {
        return String.join(".", labels);
    }

    @Override
    public String toString() {
        return source;
    }

    /** Glob matching of one label where {@code *} stands for any run of label characters. */
    static final class Glob {
        private Glob() {
        }

        static boolean matchLabel(String pattern, String label) {
            return matchLabel(pattern, label, 0, label.length());
        }

        /** The label {@code name[from, to)}. */
        static boolean matchLabel(String pattern, String name, int from, int to) {
            if (from >= to) {
                return false;
            }
            int p = 0;
            int s = from;
            int star = -1;
            int mark = from;
            while (s < to) {
                if (p < pattern.length() && pattern.charAt(p) == '*') {
                    star = p++;
                    mark = s;
                } else if (p < pattern.length() && pattern.charAt(p) == name.charAt(s)) {
                    p++;
                    s++;
                } else if (star >= 0) {
                    p = star + 1;
                    s = ++mark;
                } else {
                    return false;
                }
            }
            while (p < pattern.length() && pattern.charAt(p) == '*') {
                p++;
            }
            return p == pattern.length();
        }
    }
}
