package dev.egret.controller.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Node registrations in one JSON file ({@code nodes.json}), replaced atomically. A registration that changes what a
 * node reports (version, applied version, readiness) or adds a node is durable before it returns; a heartbeat that
 * only moves {@code lastSeen} is written at most once per {@code heartbeatFlush} (and by {@link #flush()}), so a
 * restart loses at most that much of {@code lastSeen}.
 */
public final class FileNodeRegistry {
    static final String FILE = "nodes.json";

    private final Path file;
    private final Clock clock;
    private final Duration heartbeatFlush;
    private final ObjectMapper json = new ObjectMapper();
    private final TreeMap<String, NodeRegistration> nodes = new TreeMap<>();
    private Instant lastWrite = Instant.MIN;
    private boolean dirty;

    public FileNodeRegistry(Path dir, Clock clock, Duration heartbeatFlush) {
        this.file = dir.resolve(FILE);
        this.clock = clock;
        this.heartbeatFlush = heartbeatFlush;
        try {
            Files.createDirectories(dir);
            if (Files.exists(file)) {
                for (JsonNode n : json.readTree(file.toFile()).path("nodes")) {
                    NodeRegistration r = new NodeRegistration(n.path("name").asText(), n.path("version").asText(),
                            n.hasNonNull("appliedResourceVersion") ? n.get("appliedResourceVersion").asText() : null,
                            n.path("ready").asBoolean(), Instant.parse(n.path("lastSeen").asText()),
                            n.hasNonNull("subject") ? n.get("subject").asText() : null);
                    nodes.put(r.name(), r);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read node registrations from " + file + ": " + e.getMessage(), e);
        }
    }

    /** Records a node's report, seen now. */
    public synchronized NodeRegistration register(String name, String version, String appliedResourceVersion,
                                                  boolean ready, String subject) {
        Instant now = clock.instant();
        NodeRegistration old = nodes.get(name);
        NodeRegistration r = new NodeRegistration(name, version, appliedResourceVersion, ready, now, subject);
        nodes.put(name, r);
        if (!r.sameReport(old) || !lastWrite.plus(heartbeatFlush).isAfter(now)) {
            try {
                write(now);
            } catch (IOException e) {
                if (old == null) {
                    nodes.remove(name);
                } else {
                    nodes.put(name, old);
                }
                throw new UncheckedIOException("cannot write " + file + "; the registration was not recorded", e);
            }
        } else {
            dirty = true;
        }
        return r;
    }

    public synchronized List<NodeRegistration> list() {
        return List.copyOf(nodes.values());
    }

    public synchronized Optional<NodeRegistration> get(String name) {
        return Optional.ofNullable(nodes.get(name));
    }

    /** Forgets a node (a decommissioned one); false when it was not registered. */
    public synchronized boolean remove(String name) {
        NodeRegistration old = nodes.remove(name);
        if (old == null) {
            return false;
        }
        try {
            write(clock.instant());
        } catch (IOException e) {
            nodes.put(name, old);
            throw new UncheckedIOException("cannot write " + file + "; the node was not removed", e);
        }
        return true;
    }

    /** Writes heartbeats not yet on disk. */
    public synchronized void flush() {
        if (dirty) {
            try {
                write(clock.instant());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
        }
    }

    private void write(Instant now) throws IOException {
        ObjectNode root = json.createObjectNode();
        ArrayNode items = root.putArray("nodes");
        for (NodeRegistration r : nodes.values()) {
            ObjectNode n = items.addObject();
            n.put("name", r.name());
            n.put("version", r.version());
            n.put("appliedResourceVersion", r.appliedResourceVersion());
            n.put("ready", r.ready());
            n.put("lastSeen", r.lastSeen().toString());
            n.put("subject", r.subject());
        }
        DurableFiles.replace(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(root)
                .getBytes(StandardCharsets.UTF_8));
        lastWrite = now;
        dirty = false;
    }
}
