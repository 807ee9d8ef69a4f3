package dev.egret.controller.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Append-only JSON-lines log of policy changes. Each append is fsynced before it returns.
 * Opening the log drops a torn last line and every entry newer than the state it belongs to.
 */
final class ChangeLog {
    private static final Logger LOG = Logger.getLogger(ChangeLog.class);
    private final Path file;
    private final ObjectMapper json = new ObjectMapper();
    private final List<ChangeRecord> records;

    private ChangeLog(Path file, List<ChangeRecord> records) {
        this.file = file;
        this.records = records;
    }

    static ChangeLog open(Path file, long committedVersion) throws IOException {
        List<ChangeRecord> kept = new ArrayList<>();
        boolean rewrite = false;
        if (Files.exists(file)) {
            ObjectMapper json = new ObjectMapper();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                ChangeRecord r = parse(json, line);
                if (r == null || r.newResourceVersion() > committedVersion) {
                    rewrite = true;
                    continue;
                }
                // a write that failed after logging and whose entry could not be cut away logged a version that the
                // next write logged again: the later entry is the one that applied
                while (!kept.isEmpty() && kept.getLast().newResourceVersion() >= r.newResourceVersion()) {
                    kept.removeLast();
                    rewrite = true;
                }
                kept.add(r);
            }
        }
        ChangeLog log = new ChangeLog(file, kept);
        if (rewrite) {
            log.rewrite();
        }
        return log;
    }

    private static ChangeRecord parse(ObjectMapper json, String line) {
        try {
            JsonNode n = json.readTree(line);
            return new ChangeRecord(Instant.parse(n.get("time").asText()), n.get("subject").asText(),
                    n.get("action").asText(), n.get("name").asText(),
                    n.get("oldResourceVersion").asLong(), n.get("newResourceVersion").asLong());
        } catch (IOException | RuntimeException e) {
            return null; // a line torn by a crash
        }
    }

    /**
     * Appends {@code r} and fsyncs it; returns the log's length before, for {@link #undo}. When the append fails, what
     * it wrote is cut away (best effort), so the next line does not join a torn one.
     */
    synchronized long append(ChangeRecord r) throws IOException {
        byte[] line = (toJson(r) + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            long before = ch.size();
            try {
                if (before > 0 && !endsWithNewline(file, before)) {
                    // a torn line that could not be cut back: end it, so this entry stays a line of its own
                    line = ("\n" + toJson(r) + "\n").getBytes(StandardCharsets.UTF_8);
                }
                ByteBuffer buf = ByteBuffer.wrap(line);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            } catch (IOException e) {
                truncate(before, e);
                throw e;
            }
            records.add(r);
            return before;
        }
    }

    private static boolean endsWithNewline(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            return ch.read(last, size - 1) == 1 && last.get(0) == '\n';
        }
    }

    /**
     * Takes back {@code r}, the last append, whose change did not apply: drops it from the records and cuts the file
     * back to {@code length}, its length before the append. Cutting the file is best effort: if it fails, opening the
     * log drops the entry (it is newer than the state, or superseded by the next write's entry of the same version).
     */
    synchronized void undo(ChangeRecord r, long length) {
        if (!records.isEmpty() && records.getLast() == r) {
            records.removeLast();
        }
        truncate(length, null);
    }

    private void truncate(long length, IOException cause) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(length);
            ch.force(true);
        } catch (IOException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            }
            LOG.warnf("change log: cannot cut %s back to %d bytes after a failed write: %s", file, length,
                    e.getMessage());
        }
    }

    synchronized List<ChangeRecord> read() {
        return List.copyOf(records);
    }

    synchronized java.util.Optional<ChangeRecord> last() {
        return records.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(records.getLast());
    }

    private void rewrite() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (ChangeRecord r : records) {
            sb.append(toJson(r)).append('\n');
        }
        DurableFiles.replace(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    private String toJson(ChangeRecord r) {
        ObjectNode n = json.createObjectNode();
        n.put("time", r.time().toString());
        n.put("subject", r.subject());
        n.put("action", r.action());
        n.put("name", r.name());
        n.put("oldResourceVersion", r.oldResourceVersion());
        n.put("newResourceVersion", r.newResourceVersion());
        try {
            return json.writeValueAsString(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
