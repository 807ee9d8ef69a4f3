package dev.egret.node.datapath;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where and how the datapath lives.
 *
 * @param pinDir       bpffs directory holding the pinned maps, programs and links (e.g. /sys/fs/bpf/egret/node)
 * @param attachCgroup cgroup2 directory the programs attach to; they police its policed descendants
 * @param mapSizes     max_entries per map name, for maps created now (an adopted map keeps its size)
 */
public record DatapathConfig(Path pinDir, Path attachCgroup, Map<String, Integer> mapSizes) {
    public DatapathConfig {
        if (pinDir == null || !pinDir.isAbsolute()) {
            throw new IllegalArgumentException("pinDir must be an absolute bpffs path, not " + pinDir);
        }
        if (attachCgroup == null || !attachCgroup.isAbsolute()) {
            throw new IllegalArgumentException("attachCgroup must be an absolute cgroup2 path, not " + attachCgroup);
        }
        mapSizes = mapSizes == null ? Map.of() : Map.copyOf(mapSizes);
        mapSizes.forEach((k, v) -> {
            if (v == null || v < 1) {
                throw new IllegalArgumentException("map size of " + k + " must be positive, not " + v);
            }
            if (!Programs.MAPS.contains(k)) {
                throw new IllegalArgumentException("unknown map " + k + " (known: " + Programs.MAPS + ")");
            }
        });
    }
}
