package dev.egret.node.agent;

import java.util.regex.Pattern;

/**
 * A cgroup path glob relative to the cgroup2 root: {@code *} matches within one path segment, {@code **} matches
 * any number of segments ({@code system.slice/deploy-*.service}, {@code kubepods/**}).
 */
public final class CgroupGlob {
    private final String source;
    private final Pattern regex;

    private CgroupGlob(String source, Pattern regex) {
        this.source = source;
        this.regex = regex;
    }

    public static CgroupGlob compile(String glob) {
        StringBuilder re = new StringBuilder();
        String[] segs = glob.split("/", -1);
        for (int i = 0; i < segs.length; i++) {
            String seg = segs[i];
            if (seg.equals("**")) {
                re.append(i == segs.length - 1 ? ".+" : "(?:[^/]+/)*");
                continue;
            }
            for (char c : seg.toCharArray()) {
                re.append(c == '*' ? "[^/]*" : Pattern.quote(String.valueOf(c)));
            }
            if (i < segs.length - 1) {
                re.append('/');
            }
        }
        return new CgroupGlob(glob, Pattern.compile(re.toString()));
    }

    public boolean matches(String relativePath) {
        return regex.matcher(relativePath).matches();
    }

    /**
     * The directory whose subtree holds every match (relative to the cgroup2 root; "" for the root itself): the
     * leading segments without a wildcard, short of the last segment. {@code system.slice} for
     * {@code system.slice/deploy-*.service}, {@code a} for {@code a/b}, {@code kubepods} for {@code kubepods/**}.
     */
    public String literalParent() {
        String[] segs = source.split("/");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < segs.length - 1 && !segs[i].contains("*"); i++) {
            out.append(out.isEmpty() ? "" : "/").append(segs[i]);
        }
        return out.toString();
    }

    /** How deep a match can be: the number of segments, or -1 when {@code **} allows any depth. */
    public int maxDepth() {
        return source.contains("**") ? -1 : source.split("/").length;
    }

    @Override
    public String toString() {
        return source;
    }
}
