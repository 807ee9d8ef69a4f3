package dev.egret.controller.store;

import dev.egret.controller.JacksonTrees;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The embedded default store: every policy in one JSON file under the data directory, replaced
 * atomically (write to a temporary file, fsync, rename, fsync the directory) on every write, and an
 * append-only change log beside it.
 *
 * <p>The change is appended to the log (and fsynced) before the state file is replaced, so every applied
 * change is logged; on open, log entries newer than the state file (a crash between the two steps) are
 * dropped, so no logged change is one that never applied.
 */
public final class FilePolicyStore implements PolicyStore {
    static final String STATE_FILE = "policies.json";
    static final String LOG_FILE = "changes.jsonl";

    private final Path dir;
    private final Path state;
    private final ChangeLog log;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    private final TreeMap<String, EgressPolicy> policies = new TreeMap<>();
    private long resourceVersion;

    public FilePolicyStore(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
        this.state = dir.resolve(STATE_FILE);
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve(STATE_FILE + ".tmp"));
            load();
            this.log = ChangeLog.open(dir.resolve(LOG_FILE), resourceVersion);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open policy store in " + dir, e);
        }
    }

    private void load() throws IOException {
        if (!Files.exists(state)) {
            return;
        }
        JsonNode root = json.readTree(state.toFile());
        resourceVersion = root.path("resourceVersion").asLong();
        for (JsonNode item : root.path("policies")) {
            EgressPolicy p = PolicyCodec.fromTree(JacksonTrees.value(item, STATE_FILE), STATE_FILE + ":");
            policies.put(p.name(), p);
        }
    }

    @Override
    public synchronized List<EgressPolicy> list() {
        return List.copyOf(policies.values());
    }

    @Override
    public synchronized Optional<EgressPolicy> get(String name) {
        return Optional.ofNullable(policies.get(name));
    }

    @Override
    public synchronized long resourceVersion() {
        return resourceVersion;
    }

    @Override
    public synchronized WriteResult put(EgressPolicy policy, Precondition expected, String subject) {
        EgressPolicy old = policies.get(policy.name());
        long oldVersion = versionOf(old);
        check(policy.name(), oldVersion, expected);
        long next = resourceVersion + 1;
        EgressPolicy stored = policy.withResourceVersion(Long.toString(next));
        TreeMap<String, EgressPolicy> after = new TreeMap<>(policies);
        after.put(stored.name(), stored);
        commit(after, next, new ChangeRecord(clock.instant(), subject, old == null ? "create" : "update",
                stored.name(), oldVersion, next));
        return new WriteResult(stored, oldVersion, next, old == null);
    }

    @Override
    public synchronized Optional<WriteResult> delete(String name, Precondition expected, String subject) {
        EgressPolicy old = policies.get(name);
        check(name, versionOf(old), expected);
        if (old == null) {
            return Optional.empty();
        }
        long next = resourceVersion + 1;
        TreeMap<String, EgressPolicy> after = new TreeMap<>(policies);
        after.remove(name);
        commit(after, next, new ChangeRecord(clock.instant(), subject, "delete", name, versionOf(old), next));
        return Optional.of(new WriteResult(old, versionOf(old), next, false));
    }

    @Override
    public synchronized List<ChangeRecord> changes() {
        return log.read();
    }

    @Override
    public synchronized Optional<ChangeRecord> lastChange() {
        return log.last();
    }

    private static long versionOf(EgressPolicy p) {
        return p == null || p.metadata().resourceVersion() == null ? 0 : Long.parseLong(p.metadata().resourceVersion());
    }

    private static void check(String name, long current, Precondition expected) {
        if (expected != null && !expected.holdsFor(current)) {
            throw new PreconditionFailedException(name, current, expected);
        }
    }

    /**
     * Makes {@code after} the durable state. When it fails, memory, change log and state file are left agreeing: if the
     * state file was not replaced, the change is taken back out of the log (nothing was applied); if it was replaced
     * but the directory fsync after the rename failed, the file already holds the new state, which is what every read
     * and a restart see (should a crash lose the rename, opening the store drops the then newer log entry), so the
     * change is adopted in memory too and reported as applied but not confirmed durable. Re-writing the old state
     * instead would need the same failing directory fsync to be durable, so it would not be more certain.
     */
    private void commit(TreeMap<String, EgressPolicy> after, long version, ChangeRecord change) {
        long logLength;
        try {
            logLength = log.append(change);
        } catch (IOException e) {
            throw new StoreWriteException(false, "policy store write failed, nothing was applied", e);
        }
        try {
            writeState(after, version);
        } catch (DurableFiles.NotDurableException e) {
            apply(after, version);
            throw new StoreWriteException(true, "policy store wrote resourceVersion " + version
                    + " but could not confirm it durable", e);
        } catch (IOException | RuntimeException e) {
            log.undo(change, logLength);
            throw new StoreWriteException(false, "policy store write failed, nothing was applied", e);
        }
        apply(after, version);
    }

    private void apply(TreeMap<String, EgressPolicy> after, long version) {
        policies.clear();
        policies.putAll(after);
        resourceVersion = version;
    }

    private void writeState(TreeMap<String, EgressPolicy> after, long version) throws IOException {
        ObjectNode root = json.createObjectNode();
        root.put("resourceVersion", version);
        ArrayNode items = root.putArray("policies");
        after.values().forEach(p -> items.add(JacksonTrees.policy(p)));
        byte[] bytes = json.writerWithDefaultPrettyPrinter().writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        DurableFiles.replace(state, bytes);
    }

    /** For tests: the state file's path. */
    Path stateFile() {
        return state;
    }
}
