package dev.egret.node.agent;

import dev.egret.node.run.Policies;
import dev.egret.policy.EgressPolicy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The policies in a directory ({@code *.yaml}, {@code *.yml}, {@code *.json}). A file that does not parse keeps
 * its last good version in force (and is reported), so a bad edit never loosens or drops enforcement.
 */
public final class PolicyDirectory {
    /** Files modified this recently are re-read even when their stamp looks unchanged (coarse file times). */
    private static final long RACY_NANOS = 2_000_000_000L;

    /** What a file looked like when it was last read: unchanged stamps are not parsed again. */
    private record Stamp(long size, long modifiedNanos, Object fileKey) {
    }

    private final Path dir;
    private final Map<Path, EgressPolicy> lastGood = new TreeMap<>();
    private final Map<Path, String> errors = new LinkedHashMap<>();
    private final Map<Path, Stamp> stamps = new HashMap<>();
    private final Map<Path, String> fileErrors = new HashMap<>();

    public PolicyDirectory(Path dir) {
        this.dir = dir;
    }

    /**
     * Re-reads the directory; returns the policies in force, by name (the first file wins a duplicate name). Files
     * whose size, modification time and identity are unchanged since they were read are not parsed again.
     */
    public synchronized Map<String, EgressPolicy> read() {
        errors.clear();
        List<Path> files = List.of();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(p -> p.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList();
            } catch (IOException e) {
                errors.put(dir, e.getMessage());
                return byName();
            }
        }
        lastGood.keySet().retainAll(files);
        stamps.keySet().retainAll(files);
        fileErrors.keySet().retainAll(files);
        for (Path f : files) {
            Stamp stamp = stamp(f);
            if (stamp != null && stamp.equals(stamps.get(f))) {
                String err = fileErrors.get(f);
                if (err != null) {
                    errors.put(f, err);
                }
                continue;
            }
            try {
                EgressPolicy read = Policies.read(f);
                EgressPolicy before = lastGood.get(f);
                // a rewrite that means the same keeps the object already compiled from it: one copy on the heap
                lastGood.put(f, read.equals(before) ? before : read);
                fileErrors.remove(f);
            } catch (RuntimeException e) {
                errors.put(f, e.getMessage());
                fileErrors.put(f, e.getMessage());
            }
            if (stamp == null) {
                stamps.remove(f);
            } else {
                stamps.put(f, stamp);
            }
        }
        return byName();
    }

    /** Taken before reading, so a write that lands during the read changes the stamp; null: always re-read. */
    private static Stamp stamp(Path f) {
        try {
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
            long modified = a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
            if (Math.abs(System.currentTimeMillis() * 1_000_000L - modified) < RACY_NANOS) {
                return null;
            }
            return new Stamp(a.size(), modified, a.fileKey());
        } catch (IOException e) {
            return null;
        }
    }

    private Map<String, EgressPolicy> byName() {
        Map<String, EgressPolicy> out = new TreeMap<>();
        lastGood.forEach((f, p) -> {
            if (out.putIfAbsent(p.name(), p) != null) {
                errors.put(f, "policy name '" + p.name() + "' is already used by another file; ignored");
            }
        });
        return out;
    }

    public synchronized Map<Path, String> errors() {
        return Map.copyOf(errors);
    }
}
