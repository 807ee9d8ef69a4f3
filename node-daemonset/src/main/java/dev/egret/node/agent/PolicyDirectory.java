package dev.egret.node.agent;

import dev.egret.node.run.Policies;
import dev.egret.policy.EgressPolicy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The policies in a directory ({@code *.yaml}, {@code *.yml}, {@code *.json}). A file that does not parse keeps
 * its last good version in force (and is reported), so a bad edit never loosens or drops enforcement.
 */
public final class PolicyDirectory {
    private final Path dir;
    private final Map<Path, EgressPolicy> lastGood = new TreeMap<>();
    private final Map<Path, String> errors = new LinkedHashMap<>();

    public PolicyDirectory(Path dir) {
        this.dir = dir;
    }

    /** Re-reads the directory; returns the policies in force, by name (the first file wins a duplicate name). */
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
        for (Path f : files) {
            try {
                lastGood.put(f, Policies.read(f));
            } catch (RuntimeException e) {
                errors.put(f, e.getMessage());
            }
        }
        return byName();
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
