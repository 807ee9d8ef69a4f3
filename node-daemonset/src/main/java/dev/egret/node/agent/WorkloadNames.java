package dev.egret.node.agent;

import org.jboss.logging.Logger;

import dev.egret.policy.json.JsonSyntax;
import dev.egret.policy.json.JsonValue;
import dev.egret.policy.json.JsonWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * The names of the policed cgroups (cgroup id to workload name) as last applied, kept in the state directory: a
 * restarted agent that cannot list its pods yet keeps them policed (see {@link DesiredState#keeping}) and still
 * names their events and metrics as before, not by cgroup id.
 */
final class WorkloadNames {
    private static final Logger LOG = Logger.getLogger(WorkloadNames.class);
    private final Path file;
    private Map<Long, String> saved;

    WorkloadNames(Path file) {
        this.file = file;
        Map<Long, String> read = Map.of();
        if (Files.exists(file)) {
            try {
                Map<Long, String> names = new TreeMap<>();
                if (!(JsonSyntax.parse(Files.readString(file)) instanceof JsonValue.JsonObject o)) {
                    throw new IllegalArgumentException("not a JSON object of names");
                }
                o.fields().forEach((id, name) -> {
                    if (!name.isTextual()) {
                        throw new IllegalArgumentException("the name of cgroup " + id + " is not a string");
                    }
                    names.put(Long.parseLong(id), name.asText());
                });
                read = names;
            } catch (IOException | RuntimeException e) {
                LOG.warnf("ignoring unreadable %s: %s", file, e.getMessage()); // names only: nothing is policed by it
            }
        }
        saved = Map.copyOf(read);
    }

    /** The names as last saved (by this agent or the one before it). */
    Map<Long, String> saved() {
        return saved;
    }

    /** Saves {@code names} when they differ from what is saved; a failure is logged, never thrown. */
    void save(Map<Long, String> names) {
        if (names.equals(saved)) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JsonWriter w = new JsonWriter().beginObject();
            new TreeMap<>(names).forEach((id, name) -> w.field(Long.toString(id), name));
            Files.writeString(tmp, w.endObject().toString());
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            saved = Map.copyOf(names);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("cannot save workload names to %s: %s", file, e.getMessage());
        }
    }
}
