package dev.egret.node.audit;

import dev.egret.audit.AuditEvent;
import dev.egret.audit.AuditEventCodec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The node's bounded local journal of audit events: every event is written here first and delivered from here, so
 * nothing is lost while the controller or Kafka is down, and delivery resumes where it stopped after a restart.
 *
 * <p>On disk: segments {@code seg-<first sequence>.jsonl} (one {@link AuditEventCodec} line per event), the
 * {@code cursor} (the next sequence to deliver, replaced atomically) and the {@code epoch} (random, made once), so
 * ids {@code <node>-<epoch>-<sequence>} stay unique even when a node's state is wiped. Writes reach the kernel at
 * once (a killed agent loses nothing); {@link #flush()} forces them to the disk. When the segments exceed the bound
 * the oldest go, delivered or not, and what was undelivered is counted in {@link #dropped()}, never silent.
 * Thread-safe.
 */
public final class AuditJournal implements AutoCloseable {
    private static final int WRITE_CHUNK = 64 * 1024;
    private static final byte[] NEWLINE = {'\n'};
    /** Lines on their way to the file (native: the channel writes it without a copy); used under the lock. */
    private final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(WRITE_CHUNK);
    private final Path dir;
    private final String idPrefix;
    private final long maxBytes;
    private final long segmentBytes;
    private final TreeMap<Long, Path> segments = new TreeMap<>();
    private FileChannel current;
    /** Bytes in the current segment (kept here: no fstat per append). */
    private long currentBytes;
    private long currentFirst;
    private long nextSeq;
    private long cursor;
    private long dropped;
    private boolean dirty;
    private ReadMark readMark;

    /**
     * @param maxBytes     the bound on all segments together
     * @param segmentBytes when a segment is rolled over (the bound drops whole segments)
     */
    public AuditJournal(Path dir, String node, long maxBytes, long segmentBytes) {
        if (segmentBytes <= 0 || maxBytes < 2 * segmentBytes) {
            throw new IllegalArgumentException("journal bound " + maxBytes + " must hold at least two segments of " + segmentBytes);
        }
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = segmentBytes;
        try {
            Files.createDirectories(dir);
            Path epochFile = dir.resolve("epoch");
            if (!Files.exists(epochFile)) {
                writeAtomically(epochFile, UUID.randomUUID().toString().substring(0, 8));
            }
            idPrefix = node + "-" + Files.readString(epochFile).strip() + "-";
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.getFileName().toString().matches("seg-\\d+\\.jsonl"))
                        .forEach(p -> segments.put(firstSeqOf(p), p));
            }
            Path cursorFile = dir.resolve("cursor");
            cursor = Files.exists(cursorFile) ? Long.parseLong(Files.readString(cursorFile).strip()) : 0;
            if (segments.isEmpty()) {
                nextSeq = cursor;
            } else {
                long lastFirst = segments.lastKey();
                nextSeq = lastFirst + repairAndCount(segments.get(lastFirst));
            }
            cursor = Math.min(Math.max(cursor, segments.isEmpty() ? cursor : segments.firstKey()), nextSeq);
            openSegment();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the audit journal in " + dir, e);
        }
    }

    /** Appends an event under the journal's next id; returns the event as stored. */
    public synchronized AuditEvent append(AuditEvent e) {
        return appendAll(List.of(e)).getFirst();
    }

    /**
     * Appends events in order under the journal's next ids, through a buffer of {@value #WRITE_CHUNK} bytes (a large
     * batch never becomes one large array on the agent's small heap); returns them as stored. A failed write cuts
     * the whole batch off again; a crash in mid-batch tears at most the last line, which the next start cuts off.
     */
    public synchronized List<AuditEvent> appendAll(List<AuditEvent> events) {
        if (events.isEmpty()) {
            return List.of();
        }
        List<AuditEvent> stored = new ArrayList<>(events.size());
        long seq = nextSeq;
        long before = currentBytes;
        try {
            ByteBuffer chunk = writeBuffer.clear();
            try {
                for (AuditEvent e : events) {
                    AuditEvent s = e.withId(idPrefix + seq++);
                    stored.add(s);
                    byte[] line = AuditEventCodec.toLine(s).getBytes(StandardCharsets.UTF_8);
                    if (line.length + 1 > chunk.remaining()) {
                        writeOut(chunk.flip());
                        chunk.clear();
                    }
                    if (line.length + 1 > chunk.remaining()) { // longer than the buffer: written on its own
                        writeOut(ByteBuffer.wrap(line));
                        writeOut(ByteBuffer.wrap(NEWLINE));
                    } else {
                        chunk.put(line).put((byte) '\n');
                    }
                }
                writeOut(chunk.flip());
            } catch (IOException | RuntimeException partial) { // none of the batch stays: its ids are handed out again
                current.truncate(before);
                currentBytes = before;
                throw partial;
            }
            nextSeq = seq;
            dirty = true;
            if (currentBytes >= segmentBytes) {
                current.force(false);
                current.close();
                openSegment();
                enforceBound();
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot append to the audit journal in " + dir, ex);
        }
        return stored;
    }

    private void writeOut(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            currentBytes += current.write(b);
        }
    }

    /** Up to {@code max} undelivered events, oldest first. */
    public synchronized List<AuditEvent> undelivered(int max) {
        List<AuditEvent> out = new ArrayList<>();
        Long floor = segments.floorKey(cursor);
        if (floor == null) {
            return out;
        }
        long segKey = floor;
        long seq = segKey;
        long pos = 0;
        if (readMark != null && readMark.segment == segKey && readMark.seq <= cursor) {
            seq = readMark.seq;
            pos = readMark.position;
        }
        for (var seg : segments.tailMap(segKey, true).entrySet()) {
            if (seg.getKey() != segKey) {
                seq = seg.getKey();
                pos = 0;
            }
            try (FileChannel c = FileChannel.open(seg.getValue(), StandardOpenOption.READ);
                 BufferedReader r = new BufferedReader(Channels.newReader(c.position(pos), StandardCharsets.UTF_8))) {
                for (String line; out.size() < max && seq < nextSeq && (line = r.readLine()) != null; seq++) {
                    pos += line.getBytes(StandardCharsets.UTF_8).length + 1;
                    if (seq >= cursor) {
                        out.add(AuditEventCodec.fromLine(line));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the audit journal segment " + seg.getValue(), e);
            }
            readMark = new ReadMark(seg.getKey(), seq, pos);
            if (out.size() >= max) {
                break;
            }
        }
        return out;
    }

    private record ReadMark(long segment, long seq, long position) {
    }

    /** Marks everything up to and including the event with this id as delivered. */
    public synchronized void delivered(String id) {
        if (!id.startsWith(idPrefix)) {
            throw new IllegalArgumentException("not an id of this journal: " + id);
        }
        long seq = Long.parseLong(id.substring(idPrefix.length()));
        if (seq + 1 <= cursor) {
            return;
        }
        cursor = Math.min(seq + 1, nextSeq);
        try {
            writeAtomically(dir.resolve("cursor"), Long.toString(cursor));
            while (segments.size() > 1) {
                long first = segments.firstKey();
                long next = segments.higherKey(first);
                if (next > cursor) {
                    break;
                }
                Files.deleteIfExists(segments.remove(first));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record delivery in " + dir, e);
        }
    }

    /** Forces appended events to the disk. */
    public synchronized void flush() {
        if (!dirty) {
            return;
        }
        try {
            current.force(false);
            dirty = false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot flush the audit journal in " + dir, e);
        }
    }

    /** Events stored and not yet delivered. */
    public synchronized long pending() {
        return nextSeq - cursor;
    }

    /** Undelivered events the bound forced out since this journal was opened. */
    public synchronized long dropped() {
        return dropped;
    }

    public synchronized long bytes() {
        long total = 0;
        for (Path p : segments.values()) {
            try {
                total += Files.size(p);
            } catch (IOException e) {
                // a segment deleted under us counts as empty
            }
        }
        return total;
    }

    @Override
    public synchronized void close() {
        try {
            flush();
            current.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void openSegment() throws IOException {
        currentFirst = nextSeq;
        Path p = segments.containsKey(currentFirst) ? segments.get(currentFirst) : dir.resolve(String.format("seg-%020d.jsonl", currentFirst));
        current = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        currentBytes = current.size();
        segments.put(currentFirst, p);
    }

    private void enforceBound() throws IOException {
        while (segments.size() > 1 && bytes() > maxBytes) {
            long first = segments.firstKey();
            long end = segments.higherKey(first);
            if (cursor < end) {
                dropped += end - Math.max(cursor, first);
                cursor = end;
                writeAtomically(dir.resolve("cursor"), Long.toString(cursor));
            }
            Files.deleteIfExists(segments.remove(first));
        }
    }

    /** Counts the complete lines of a segment, cutting off a torn last line (a crash in mid-write). */
    private static long repairAndCount(Path seg) throws IOException {
        byte[] all = Files.readAllBytes(seg);
        int lastNewline = -1;
        long lines = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == '\n') {
                lines++;
                lastNewline = i;
            }
        }
        if (lastNewline + 1 < all.length) {
            try (FileChannel c = FileChannel.open(seg, StandardOpenOption.WRITE)) {
                c.truncate(lastNewline + 1);
            }
        }
        return lines;
    }

    private static long firstSeqOf(Path p) {
        String n = p.getFileName().toString();
        return Long.parseLong(n.substring(4, n.length() - ".jsonl".length()));
    }

    private static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            c.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
            c.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
