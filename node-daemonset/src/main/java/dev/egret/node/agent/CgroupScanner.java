package dev.egret.node.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Lists the cgroup2 directories that match a set of globs, with their cgroup ids. */
public final class CgroupScanner {
    private final Path root;

    public CgroupScanner(Path root) {
        this.root = root;
    }

    /** Relative path to cgroup id, for every directory matching one of the globs. */
    public Map<String, Long> scan(List<CgroupGlob> globs) {
        Map<String, Long> out = new TreeMap<>();
        if (globs.isEmpty()) {
            return out;
        }
        int depth = globs.stream().mapToInt(CgroupGlob::maxDepth).anyMatch(d -> d < 0) ? Integer.MAX_VALUE
                : globs.stream().mapToInt(CgroupGlob::maxDepth).max().orElse(1);
        try (Stream<Path> s = Files.walk(root, depth)) {
            s.filter(Files::isDirectory).filter(p -> !p.equals(root)).forEach(p -> {
                String rel = root.relativize(p).toString();
                if (globs.stream().anyMatch(g -> g.matches(rel))) {
                    try {
                        out.put(rel, ((Number) Files.getAttribute(p, "unix:ino")).longValue());
                    } catch (IOException e) {
                        // removed while scanning
                    }
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a cgroup vanished mid-walk: the next scan sees a consistent tree
        }
        return out;
    }
}
