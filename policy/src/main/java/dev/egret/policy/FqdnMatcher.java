package dev.egret.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Many name selectors compiled for fast lookup: exact names in a hash, patterns indexed by their literal suffix,
 * so a lookup costs one hash probe per label of the name rather than one test per pattern.
 */
public final class FqdnMatcher {
    private final Map<String, Integer> exact = new HashMap<>();
    private final Map<String, List<Indexed>> bySuffix = new HashMap<>();
    private int matchAll = Integer.MAX_VALUE;

    private record Indexed(int index, NamePattern pattern) {
    }

    private FqdnMatcher() {
    }

    /** Compiles the selectors; throws IllegalArgumentException for an invalid one. */
    public static FqdnMatcher of(List<FqdnSelector> selectors) {
        List<NamePattern> compiled = new ArrayList<>(selectors.size());
        for (FqdnSelector s : selectors) {
            compiled.add(s.compile());
        }
        return ofPatterns(compiled);
    }

    public static FqdnMatcher ofPatterns(List<NamePattern> patterns) {
        FqdnMatcher m = new FqdnMatcher();
        for (int i = 0; i < patterns.size(); i++) {
            NamePattern p = patterns.get(i);
            if (p.matchesAll()) {
                m.matchAll = Math.min(m.matchAll, i);
            } else if (p.isExact()) {
                m.exact.putIfAbsent(p.exactName(), i);
            } else {
                m.bySuffix.computeIfAbsent(p.literalSuffix(), k -> new ArrayList<>()).add(new Indexed(i, p));
            }
        }
        return m;
    }

    /** The index of the first selector (in the given order) that matches {@code name}. */
    public Optional<Integer> firstMatch(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.empty();
        }
        String n = DnsNames.normalize(name);
        int best = matchAll;
        Integer e = exact.get(n);
        if (e != null) {
            best = Math.min(best, e);
        }
        if (!bySuffix.isEmpty()) {
            best = Math.min(best, scan(n, ""));
            for (int i = 0; i < n.length(); i++) {
                if (n.charAt(i) == '.') {
                    best = Math.min(best, scan(n, n.substring(i + 1)));
                }
            }
            best = Math.min(best, scan(n, n));
        }
        return best == Integer.MAX_VALUE ? Optional.empty() : Optional.of(best);
    }

    private int scan(String name, String suffix) {
        List<Indexed> candidates = bySuffix.get(suffix);
        int best = Integer.MAX_VALUE;
        if (candidates != null) {
            for (Indexed c : candidates) {
                if (c.index < best && c.pattern.matches(name)) {
                    best = c.index;
                }
            }
        }
        return best;
    }
}
