package dev.egret.controller.store;

import dev.egret.audit.AuditEvent;
import dev.egret.audit.AuditEventCodec;
import dev.egret.audit.AuditFilter;
import org.jboss.logging.Logger;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The embedded audit store: append-only JSON-lines segments ({@code events-<first sequence>.jsonl}, one
 * {@link AuditEventCodec} object per line) under its directory, every append fsynced before it returns, all retained
 * events indexed in memory.
 *
 * <p>An event's arrival sequence number is its segment's first sequence plus its line number, so it is the same after
 * a restart. On open, a torn last line (a write cut by a crash, never acknowledged) is truncated away and unreadable
 * lines are skipped. Retention drops whole segments, oldest first, while the rest still hold {@code maxEvents}, and
 * segments whose newest event is older than {@code maxAge} (wherever they are, but for the one appended to while
 * others remain).
 */
public final class FileAuditStore implements AuditStore, Closeable {
    private static final Logger LOG = Logger.getLogger(FileAuditStore.class);
    private static final Pattern SEGMENT = Pattern.compile("events-(\\d{20})\\.jsonl");

    private static final class Segment {
        final long firstSeq;
        final Path path;
        int lines;
        Instant newest = Instant.MIN;

        Segment(long firstSeq, Path path) {
            this.firstSeq = firstSeq;
            this.path = path;
        }
    }

    private final Path dir;
    private final AuditRetention retention;
    private final Clock clock;
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    private final ConcurrentSkipListMap<AuditCursor, AuditEvent> byTime =
            new ConcurrentSkipListMap<>(AuditCursor.NEWEST_FIRST);
    private final ConcurrentSkipListMap<Long, AuditEvent> bySeq = new ConcurrentSkipListMap<>();
    private final Set<String> ids = ConcurrentHashMap.newKeySet();
    private final StringPool pool = new StringPool(200_000);
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private FileChannel active;
    private long nextSeq;
    private long pruned;

    public FileAuditStore(Path dir, AuditRetention retention, Clock clock) {
        this.dir = dir;
        this.retention = retention;
        this.clock = clock;
        try {
            Files.createDirectories(dir);
            load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the audit store in " + dir, e);
        }
        synchronized (this) {
            pruneLocked(clock.instant());
        }
    }

    private void load() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(p -> {
                Matcher m = SEGMENT.matcher(p.getFileName().toString());
                if (m.matches()) {
                    long first = Long.parseLong(m.group(1));
                    segments.put(first, new Segment(first, p));
                }
            });
        }
        for (Map.Entry<Long, Segment> e : segments.entrySet()) {
            Map.Entry<Long, Segment> next = segments.higherEntry(e.getKey());
            long room = next == null ? Long.MAX_VALUE : next.getKey() - e.getKey();
            loadSegment(e.getValue(), room);
        }
        if (!segments.isEmpty()) {
            Segment last = segments.lastEntry().getValue();
            nextSeq = last.firstSeq + last.lines;
            active = FileChannel.open(last.path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
    }

    /** Indexes a segment's lines; {@code room} is how many sequence numbers it owns before the next segment. */
    private void loadSegment(Segment s, long room) throws IOException {
        byte[] bytes = Files.readAllBytes(s.path);
        int start = 0;
        int line = 0;
        while (start < bytes.length) {
            int nl = indexOf(bytes, (byte) '\n', start);
            if (nl < 0 || line >= room) {
                LOG.warnf("audit store: %s ends with %d bytes no acknowledged write left whole; truncating them",
                        s.path.getFileName(), bytes.length - start);
                try (FileChannel ch = FileChannel.open(s.path, StandardOpenOption.WRITE)) {
                    ch.truncate(start);
                    ch.force(true);
                }
                break;
            }
            String text = new String(bytes, start, nl - start, StandardCharsets.UTF_8);
            try {
                AuditEvent e = AuditEventCodec.fromLine(text);
                if (ids.contains(e.id())) {
                    LOG.warnf("audit store: %s line %d repeats event %s; ignored", s.path.getFileName(), line + 1, e.id());
                } else {
                    index(s, s.firstSeq + line, pooled(e));
                }
            } catch (IllegalArgumentException ex) {
                LOG.warnf("audit store: %s line %d is unreadable (%s); skipped", s.path.getFileName(), line + 1,
                        ex.getMessage());
            }
            line++;
            start = nl + 1;
        }
        s.lines = line;
    }

    private static int indexOf(byte[] b, byte v, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private void index(Segment s, long seq, AuditEvent e) {
        bySeq.put(seq, e);
        byTime.put(new AuditCursor(e.time(), seq), e);
        ids.add(e.id());
        if (e.time().isAfter(s.newest)) {
            s.newest = e.time();
        }
    }

    private AuditEvent pooled(AuditEvent e) {
        return new AuditEvent(e.id(), e.time(), e.firstSeen(), e.count(), pool.of(e.node()), pool.of(e.workload()),
                pool.of(e.policy()), e.cgroupId(), e.pid(), pool.of(e.command()), e.kind(), pool.of(e.name()),
                pool.of(e.queryType()), pool.of(e.address()), e.port(), pool.of(e.protocol()), e.verdict(),
                pool.of(e.rule()), pool.of(e.reason()));
    }

    @Override
    public synchronized AppendResult append(List<AuditEvent> events) {
        List<AuditEvent> fresh = new ArrayList<>(events.size());
        Set<String> inBatch = new HashSet<>();
        for (AuditEvent e : events) {
            if (!ids.contains(e.id()) && inBatch.add(e.id())) {
                fresh.add(pooled(e));
            }
        }
        int duplicates = events.size() - fresh.size();
        if (fresh.isEmpty()) {
            return new AppendResult(0, duplicates, List.of());
        }
        StringBuilder sb = new StringBuilder(fresh.size() * 400);
        for (AuditEvent e : fresh) {
            sb.append(AuditEventCodec.toLine(e)).append('\n');
        }
        Segment s = writable();
        write(sb.toString().getBytes(StandardCharsets.UTF_8));
        for (AuditEvent e : fresh) {
            index(s, nextSeq++, e);
            s.lines++;
        }
        List<AuditEvent> accepted = List.copyOf(fresh);
        listeners.forEach(l -> l.appended(accepted));
        pruneLocked(clock.instant());
        return new AppendResult(accepted.size(), duplicates, accepted);
    }

    /** The segment to append to: the last one, or a new one when it is full (or when there is none). */
    private Segment writable() {
        Segment last = segments.isEmpty() ? null : segments.lastEntry().getValue();
        if (active != null && last != null && last.lines < retention.segmentEvents()) {
            return last;
        }
        try {
            if (active != null) {
                active.close();
                active = null;
            }
            Path p = dir.resolve("events-%020d.jsonl".formatted(nextSeq));
            FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            ch.truncate(0); // a file left by a failed roll holds nothing acknowledged
            ch.close();
            DurableFiles.fsyncDirectory(dir);
            active = FileChannel.open(p, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            Segment s = new Segment(nextSeq, p);
            segments.put(nextSeq, s);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a new audit segment in " + dir + "; nothing was stored", e);
        }
    }

    private void write(byte[] bytes) {
        long before = -1;
        try {
            before = active.size();
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                active.write(buf);
            }
            active.force(false);
        } catch (IOException e) {
            try {
                if (before >= 0) {
                    active.truncate(before);
                }
                active.close();
            } catch (IOException ignored) {
                // the next append starts a new segment; a torn tail is cut away on the next open
            }
            active = null;
            throw new UncheckedIOException("audit store write failed; nothing was stored", e);
        }
    }

    @Override
    public Page query(AuditFilter filter, AuditCursor after, long skip, int limit) {
        NavigableMap<AuditCursor, AuditEvent> view = after == null ? byTime : byTime.tailMap(after, false);
        List<AuditEvent> items = new ArrayList<>(Math.min(limit, 1024));
        AuditCursor last = null;
        long toSkip = skip;
        for (Map.Entry<AuditCursor, AuditEvent> e : view.entrySet()) {
            if (!filter.matches(e.getValue())) {
                continue;
            }
            if (toSkip > 0) {
                toSkip--;
                continue;
            }
            if (items.size() == limit) {
                return new Page(items, last);
            }
            items.add(e.getValue());
            last = e.getKey();
        }
        return new Page(items, null);
    }

    @Override
    public List<AuditEvent> all() {
        return List.copyOf(bySeq.values());
    }

    @Override
    public long size() {
        return bySeq.size();
    }

    @Override
    public synchronized long prunedTotal() {
        return pruned;
    }

    @Override
    public synchronized void prune(Instant now) {
        pruneLocked(now);
    }

    private void pruneLocked(Instant now) {
        Instant cutoff = now.minus(retention.maxAge());
        boolean any = false;
        while (!segments.isEmpty()) {
            Segment oldest = segments.firstEntry().getValue();
            boolean last = segments.size() == 1;
            long held = countOf(oldest);
            boolean overCount = !last && size() - held >= retention.maxEvents();
            if (!overCount && !expired(oldest, cutoff)) {
                break;
            }
            if (!drop(oldest, last)) {
                break;
            }
            any = true;
        }
        // an unexpired segment (one holding an event that arrived late with a recent time, say) does not keep the
        // expired ones after it; the last segment, the one appended to, is left to the loop above
        for (Segment s : List.copyOf(segments.values())) {
            if (s != segments.lastEntry().getValue() && expired(s, cutoff)) {
                if (!drop(s, false)) {
                    break;
                }
                any = true;
            }
        }
        if (any) {
            try {
                DurableFiles.fsyncDirectory(dir);
            } catch (IOException e) {
                LOG.warnf("audit store: cannot fsync %s: %s", dir, e.getMessage());
            }
            List<AuditEvent> all = all();
            listeners.forEach(l -> l.replaced(all));
        }
    }

    private static boolean expired(Segment s, Instant cutoff) {
        return s.lines > 0 && s.newest.isBefore(cutoff);
    }

    /** Deletes a segment and forgets its events; false (and logged) when the file cannot be deleted. */
    private boolean drop(Segment s, boolean last) {
        long held = countOf(s);
        try {
            if (last && active != null) {
                active.close();
                active = null;
            }
            Files.deleteIfExists(s.path);
        } catch (IOException e) {
            LOG.warnf("audit store: cannot delete %s: %s", s.path, e.getMessage());
            return false;
        }
        for (long seq = s.firstSeq; seq < s.firstSeq + s.lines; seq++) {
            AuditEvent e = bySeq.remove(seq);
            if (e != null) {
                byTime.remove(new AuditCursor(e.time(), seq));
                ids.remove(e.id());
            }
        }
        segments.remove(s.firstSeq);
        pruned += held;
        return true;
    }

    private long countOf(Segment s) {
        return bySeq.subMap(s.firstSeq, s.firstSeq + s.lines).size();
    }

    @Override
    public synchronized void subscribe(Listener listener) {
        listener.replaced(all());
        listeners.add(listener);
    }

    @Override
    public synchronized void close() throws IOException {
        if (active != null) {
            active.close();
            active = null;
        }
    }
}
