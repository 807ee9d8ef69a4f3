package dev.egret.node.pods;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Finds the cgroup of every pod on this node under the cgroup2 root: walks only the kubepods tiers (at most three
 * levels, whichever cgroup driver the kubelet uses).
 */
public final class PodCgroupIndex {
    /** A pod's cgroup: its path relative to the cgroup2 root and its id (the directory's inode). */
    public record PodCgroup(String path, long id) {
    }

    private final Path root;
    private final Path v2Root;

    /**
     * @param root   where the kubelet's kubepods hierarchy starts (the cgroup2 root on a real node)
     * @param v2Root the cgroup2 root
     */
    public PodCgroupIndex(Path root, Path v2Root) {
        this.root = root;
        this.v2Root = v2Root;
    }

    /** A pod cgroup's path relative to the cgroup2 root (for reading its usage). */
    public String v2Path(PodCgroup cg) {
        return v2Root.relativize(root.resolve(cg.path())).toString();
    }

    /**
     * The directories in which pod cgroups appear: the root and every kubepods tier under it (at most three levels),
     * for a watch that sees a pod's cgroup the moment the kubelet makes it.
     */
    public Set<Path> tiers() {
        Set<Path> out = new LinkedHashSet<>();
        out.add(root);
        tiers(root, 0, out);
        return out;
    }

    private void tiers(Path dir, int depth, Set<Path> out) {
        if (depth > 4) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path d : ds) {
                if (PodCgroupNames.isKubepodsTier(d.getFileName().toString())) {
                    out.add(d);
                    tiers(d, depth + 1, out);
                }
            }
        } catch (IOException e) {
            // a tier vanished: the next pass lists them again
        }
    }

    /** Pod UID to its cgroup. */
    public Map<String, PodCgroup> scan() {
        Map<String, PodCgroup> out = new TreeMap<>();
        walk(root, 0, false, out);
        return out;
    }

    private void walk(Path dir, int depth, boolean inKubepods, Map<String, PodCgroup> out) {
        if (depth > 4) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path d : ds) {
                String name = d.getFileName().toString();
                Optional<String> uid = inKubepods ? PodCgroupNames.podUid(name) : Optional.empty();
                if (uid.isPresent()) {
                    try {
                        out.put(uid.get(), new PodCgroup(root.relativize(d).toString(),
                                ((Number) Files.getAttribute(d, "unix:ino")).longValue()));
                    } catch (IOException e) {
                        // the pod went away while scanning
                    }
                } else if (PodCgroupNames.isKubepodsTier(name)) {
                    walk(d, depth + 1, true, out);
                }
            }
        } catch (IOException e) {
            // a cgroup vanished mid-walk: the next scan sees a consistent tree
        }
    }
}
