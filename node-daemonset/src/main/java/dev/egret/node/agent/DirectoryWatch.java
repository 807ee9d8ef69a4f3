package dev.egret.node.agent;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Watches directories (inotify, through the JDK's watch service) and calls back whenever an entry in one of them
 * appears or goes (a cgroup made under a watched parent) or, in directories watched for their contents, changes (a
 * policy file written in place). Changes of files in cgroup directories are not watched: the agent itself writes
 * limits there, and their event files change with every state change of a cgroup. The callback runs on the
 * watch's own thread and must be quick and must not throw; it is called once for each burst of events read together.
 * I/O only: which directories to watch is the caller's to say ({@link #watch}).
 */
final class DirectoryWatch implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DirectoryWatch.class);

    private final WatchService service;
    private final Runnable changed;
    private final Map<Path, WatchKey> keys = new HashMap<>();
    private final Map<Path, Boolean> withContents = new HashMap<>();
    private final Thread thread;
    private boolean warned;

    DirectoryWatch(String name, Runnable changed) throws IOException {
        this.service = FileSystems.getDefault().newWatchService();
        this.changed = changed;
        this.thread = Thread.ofPlatform().name(name).daemon().start(this::run);
    }

    /**
     * Watches exactly these directories from now on (for entries made and removed; those of {@code contents} also for
     * files changed): new ones are added, those no longer listed dropped. A directory that cannot be watched (gone
     * meanwhile, or the watch limit reached) is skipped, and the next call tries again.
     */
    synchronized void watch(Set<Path> dirs, Set<Path> contents) {
        keys.entrySet().removeIf(e -> {
            Path d = e.getKey();
            if (!(dirs.contains(d) || contents.contains(d)) || !e.getValue().isValid()
                    || withContents.get(d) != contents.contains(d)) {
                e.getValue().cancel();
                withContents.remove(d);
                return true;
            }
            return false;
        });
        Set<Path> all = new LinkedHashSet<>(dirs);
        all.addAll(contents);
        for (Path d : all) {
            if (keys.containsKey(d)) {
                continue;
            }
            boolean modify = contents.contains(d);
            try {
                keys.put(d, modify
                        ? d.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                        StandardWatchEventKinds.ENTRY_MODIFY)
                        : d.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE));
                withContents.put(d, modify);
            } catch (IOException | RuntimeException e) {
                if (!warned) {
                    warned = true;
                    LOG.warnf("cannot watch %s (%s): changes there are seen at the next periodic pass", d, e.getMessage());
                }
            }
        }
    }

    /** The directories watched now. */
    synchronized Set<Path> watched() {
        return Set.copyOf(keys.keySet());
    }

    private void run() {
        try {
            while (true) {
                WatchKey k = service.take();
                boolean any = !k.pollEvents().isEmpty();
                k.reset();
                for (WatchKey more; (more = service.poll()) != null; ) { // the rest of the burst: one callback
                    any |= !more.pollEvents().isEmpty();
                    more.reset();
                }
                if (any) {
                    try {
                        changed.run();
                    } catch (RuntimeException e) {
                        LOG.warn("directory change callback failed", e);
                    }
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            // nothing more to release
        }
        thread.interrupt();
    }
}
