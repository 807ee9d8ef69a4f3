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
import java.util.Map;
import java.util.Set;

/**
 * Watches directories (inotify, through the JDK's watch service) and calls back whenever an entry in one of them
 * appears or goes: a cgroup made under a watched parent, a policy file renamed into place. Changes of files are not
 * watched: the agent itself writes limits in cgroup directories, their event files change with every state change of
 * a cgroup, and a file written in place may be read half-written (such edits wait for the periodic pass). The callback runs on the
 * watch's own thread and must be quick and must not throw; it is called once for each burst of events read together.
 * I/O only: which directories to watch is the caller's to say ({@link #watch}).
 */
final class DirectoryWatch implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DirectoryWatch.class);

    private final WatchService service;
    private final Runnable changed;
    private final Map<Path, WatchKey> keys = new HashMap<>();
    private final Thread thread;
    /** The last call could not watch every directory (warned once per run of such calls). */
    private boolean failing;

    DirectoryWatch(String name, Runnable changed) throws IOException {
        this.service = FileSystems.getDefault().newWatchService();
        this.changed = changed;
        this.thread = Thread.ofPlatform().name(name).daemon().start(this::run);
    }

    /**
     * Watches exactly these directories from now on: new ones are added, those no longer listed dropped. A directory
     * that cannot be watched (gone meanwhile, or the watch limit reached) is skipped, and the next call tries again.
     * Returns true when a directory was added: what was made in it before it was watched is the caller's to look for.
     */
    synchronized boolean watch(Set<Path> dirs) {
        keys.entrySet().removeIf(e -> {
            if (!dirs.contains(e.getKey()) || !e.getValue().isValid()) {
                e.getValue().cancel();
                return true;
            }
            return false;
        });
        boolean added = false;
        for (Path d : dirs) {
            if (keys.containsKey(d)) {
                continue;
            }
            try {
                keys.put(d, d.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE));
                added = true;
            } catch (IOException | RuntimeException e) {
                if (!failing) {
                    LOG.warnf("cannot watch %s (%s): changes there are seen at the next periodic pass", d, e.getMessage());
                }
                failing = true;
                return added;
            }
        }
        failing = false;
        return added;
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
