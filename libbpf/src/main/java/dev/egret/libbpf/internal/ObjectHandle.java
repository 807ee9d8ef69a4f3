package dev.egret.libbpf.internal;

import dev.egret.libbpf.BpfException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** An opened {@code struct bpf_object}; owns its native memory through an arena. */
public final class ObjectHandle implements AutoCloseable {
    /** {@code struct bpf_object_open_opts} up to and including {@code pin_root_path}. */
    private static final long OPTS_SIZE = 32;
    private final Arena arena = Arena.ofShared();
    private MemorySegment obj;

    private ObjectHandle(MemorySegment obj) {
        this.obj = obj;
    }

    /** Opens an object file; maps pinned by name are looked up and pinned under {@code pinRoot}. */
    public static ObjectHandle open(Path file, Path pinRoot) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment opts = a.allocate(OPTS_SIZE, 8);
            opts.set(ValueLayout.JAVA_LONG, 0, OPTS_SIZE);
            opts.set(ValueLayout.ADDRESS, 24, a.allocateFrom(pinRoot.toString()));
            MemorySegment state = Native.captureState(a);
            MemorySegment obj = (MemorySegment) Native.OBJECT_OPEN_FILE.invokeExact(state, a.allocateFrom(file.toString()), opts);
            if (obj.equals(MemorySegment.NULL)) {
                throw new BpfException("bpf_object__open_file(" + file + ")", Native.errno(state));
            }
            return new ObjectHandle(obj);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public void setMaxEntries(String map, int entries) {
        try {
            Native.check("bpf_map__set_max_entries(" + map + ")", (int) Native.MAP_SET_MAX_ENTRIES.invokeExact(mapPtr(map), entries));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public void load() {
        try {
            Native.check("bpf_object__load", (int) Native.OBJECT_LOAD.invokeExact(live()));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Loads with libbpf's own logging off (for optional programs whose failure is expected and reported). */
    public void loadQuietly() {
        synchronized (ObjectHandle.class) {
            MemorySegment previous = MemorySegment.NULL;
            try {
                previous = (MemorySegment) Native.SET_PRINT.invokeExact(MemorySegment.NULL);
                load();
            } catch (Throwable t) {
                throw Native.rethrow(t);
            } finally {
                try {
                    MemorySegment ignored = (MemorySegment) Native.SET_PRINT.invokeExact(previous);
                } catch (Throwable t) {
                    // logging stays off: nothing to recover
                }
            }
        }
    }

    /** The fd of a loaded program, owned by the object (valid until close). */
    public int programFd(String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = (MemorySegment) Native.FIND_PROGRAM.invokeExact(live(), a.allocateFrom(name));
            if (p.equals(MemorySegment.NULL)) {
                throw new BpfException("bpf_object__find_program_by_name(" + name + ")", BpfException.ENOENT);
            }
            return Native.check("bpf_program__fd(" + name + ")", (int) Native.PROGRAM_FD.invokeExact(p));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public List<String> programNames() {
        List<String> names = new ArrayList<>();
        try {
            MemorySegment p = MemorySegment.NULL;
            while (true) {
                p = (MemorySegment) Native.NEXT_PROGRAM.invokeExact(live(), p);
                if (p.equals(MemorySegment.NULL)) {
                    return names;
                }
                MemorySegment name = (MemorySegment) Native.PROGRAM_NAME.invokeExact(p);
                names.add(name.reinterpret(256).getString(0));
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** The fd of a map, owned by the object (valid until close). */
    public int mapFd(String name) {
        try {
            return Native.check("bpf_map__fd(" + name + ")", (int) Native.MAP_FD.invokeExact(mapPtr(name)));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private MemorySegment mapPtr(String name) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = (MemorySegment) Native.FIND_MAP.invokeExact(live(), a.allocateFrom(name));
            if (m.equals(MemorySegment.NULL)) {
                throw new BpfException("bpf_object__find_map_by_name(" + name + ")", BpfException.ENOENT);
            }
            return m;
        }
    }

    private MemorySegment live() {
        if (obj == null) {
            throw new IllegalStateException("BPF object already closed");
        }
        return obj;
    }

    @Override
    public synchronized void close() {
        if (obj != null) {
            try {
                Native.OBJECT_CLOSE.invokeExact(obj);
            } catch (Throwable t) {
                throw Native.rethrow(t);
            } finally {
                obj = null;
                arena.close();
            }
        }
    }
}
