package dev.egret.node.agent;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.logging.Logger;

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
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private Map<Long, String> saved;

    WorkloadNames(Path file) {
        this.file = file;
        Map<Long, String> read = Map.of();
        if (Files.exists(file)) {
            try {
                read = JSON.readValue(file.toFile(), new TypeReference<TreeMap<Long, String>>() { });
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
            JSON.writeValue(tmp.toFile(), new TreeMap<>(names));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            saved = Map.copyOf(names);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("cannot save workload names to %s: %s", file, e.getMessage());
        }
    }
}
