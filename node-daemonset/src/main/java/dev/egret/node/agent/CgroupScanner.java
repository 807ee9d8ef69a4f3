package dev.egret.node.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /**
     * The directories in which a cgroup matching one of the globs can be made: each glob's literal parent and, for
     * globs with wildcards in their inner segments, the directories under it down to the level above the deepest
     * match (at most {@code limit} directories in all). A literal parent that does not exist
     * yet is stood in for by its nearest existing ancestor, whose change leads to a new scan and a new set.
     */
    public Set<Path> parents(List<CgroupGlob> globs, int limit) {
        Set<Path> out = new LinkedHashSet<>();
        for (CgroupGlob g : globs) {
            Path parent = g.literalParent().isEmpty() ? root : root.resolve(g.literalParent());
            if (!Files.isDirectory(parent)) {
                Path up = parent.getParent();
                while (up != null && up.startsWith(root) && !Files.isDirectory(up)) {
                    up = up.getParent();
                }
                if (up != null && up.startsWith(root)) {
                    out.add(up);
                }
                continue;
            }
            int parentDepth = parent.equals(root) ? 0 : root.relativize(parent).getNameCount();
            int below = g.maxDepth() < 0 ? Integer.MAX_VALUE : g.maxDepth() - parentDepth - 1;
            try (Stream<Path> s = Files.walk(parent, Math.max(0, below))) {
                s.filter(Files::isDirectory).limit(Math.max(0, limit - out.size())).forEach(out::add);
            } catch (IOException | UncheckedIOException e) {
                // a directory vanished mid-walk: the next pass lists the tree again
            }
            if (out.size() >= limit) {
                break;
            }
        }
        return out;
    }
}
