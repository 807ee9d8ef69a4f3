package dev.egret.libbpf.internal;

import dev.egret.libbpf.BpfBatchException;
import dev.egret.libbpf.BpfException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/** Thin typed wrappers over the fd-level calls; all native memory stays in here. */
public final class Syscalls {
    private static final int ENOMEM = 12;
    private static final int EFAULT = 14;

    private Syscalls() {
    }

    public static int objGet(Path pin) {
        try (Arena a = Arena.ofConfined()) {
            return Native.check("bpf_obj_get(" + pin + ")", (int) Native.OBJ_GET.invokeExact(a.allocateFrom(pin.toString())));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public static void objPin(int fd, Path pin) {
        try (Arena a = Arena.ofConfined()) {
            Native.check("bpf_obj_pin(" + pin + ")", (int) Native.OBJ_PIN.invokeExact(fd, a.allocateFrom(pin.toString())));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public static int linkCreate(int progFd, int targetFd, int attachType) {
        try {
            return Native.check("bpf_link_create", (int) Native.LINK_CREATE.invokeExact(progFd, targetFd, attachType,
                    MemorySegment.NULL));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Replaces the program of a link in one step: the attachment never lapses and never runs both. */
    public static void linkUpdate(int linkFd, int progFd) {
        try {
            Native.check("bpf_link_update", (int) Native.LINK_UPDATE.invokeExact(linkFd, progFd, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public static void linkDetach(int linkFd) {
        try {
            Native.check("bpf_link_detach", (int) Native.LINK_DETACH.invokeExact(linkFd));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** {@code {type, id, key_size, value_size, max_entries, map_flags}} of a map. */
    public static int[] mapInfo(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(40);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 40);
            Native.check("bpf_obj_get_info_by_fd", (int) Native.OBJ_INFO.invokeExact(fd, info, len));
            int[] out = new int[6];
            for (int i = 0; i < 6; i++) {
                out[i] = info.get(ValueLayout.JAVA_INT, i * 4L);
            }
            return out;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * The cgroup a cgroup link is attached to, from {@code struct bpf_link_info} ({@code type, id, prog_id}, then at
     * offset 16 {@code cgroup.cgroup_id}): 0 once the link was detached.
     */
    public static long linkCgroupId(int fd) {
        return linkInfo(fd)[1];
    }

    /** The id of the program a link runs ({@code prog_id}, offset 8 of {@code struct bpf_link_info}). */
    public static long linkProgramId(int fd) {
        return linkInfo(fd)[0];
    }

    private static long[] linkInfo(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(64, 8);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 64);
            Native.check("bpf_obj_get_info_by_fd", (int) Native.OBJ_INFO.invokeExact(fd, info, len));
            return new long[]{Integer.toUnsignedLong(info.get(ValueLayout.JAVA_INT, 8)), info.get(ValueLayout.JAVA_LONG, 16)};
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public static void mapUpdate(int fd, byte[] key, byte[] value, long flags) {
        Scratch s = Scratch.fits(key.length + value.length);
        try (Arena a = s == null ? Arena.ofConfined() : null) {
            MemorySegment k = s == null ? copy(a, key) : s.first(key); // typed: invokeExact takes static types
            MemorySegment v = s == null ? copy(a, value) : s.second(key.length, value);
            Native.check("bpf_map_update_elem", (int) Native.MAP_UPDATE.invokeExact(fd, k, v, flags));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * Creates or replaces {@code count} entries in one call ({@code BPF_MAP_UPDATE_BATCH}): keys and values packed
     * back to back. A failure is a {@link BpfBatchException} saying how many entries were written before it.
     */
    public static void mapUpdateBatch(int fd, byte[] keys, byte[] values, int count) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = copy(a, keys);
            MemorySegment v = copy(a, values);
            MemorySegment n = a.allocate(ValueLayout.JAVA_INT);
            n.set(ValueLayout.JAVA_INT, 0, count);
            int rc = (int) Native.MAP_UPDATE_BATCH.invokeExact(fd, k, v, n, MemorySegment.NULL);
            if (rc < 0) {
                // the count the kernel reports is what its loop got through; a call refused before the loop (a
                // kernel or map type without batch updates, bad flags) leaves our count there: nothing was written
                boolean inLoop = rc == -BpfException.E2BIG || rc == -BpfException.ENOSPC || rc == -ENOMEM || rc == -EFAULT;
                int done = inLoop ? Math.min(count, Math.max(0, n.get(ValueLayout.JAVA_INT, 0))) : 0;
                throw new BpfBatchException("bpf_map_update_batch", -rc, done);
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** The value, or null when the key is absent. */
    public static byte[] mapLookup(int fd, byte[] key, int valueSize) {
        int size = Math.max(1, valueSize);
        Scratch s = Scratch.fits(key.length + size);
        try (Arena a = s == null ? Arena.ofConfined() : null) {
            MemorySegment k = s == null ? copy(a, key) : s.first(key);
            MemorySegment v = s == null ? a.allocate(size) : s.second(key.length, size);
            int rc = (int) Native.MAP_LOOKUP.invokeExact(fd, k, v);
            if (rc == -BpfException.ENOENT) {
                return null;
            }
            Native.check("bpf_map_lookup_elem", rc);
            return v.asSlice(0, valueSize).toArray(ValueLayout.JAVA_BYTE);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** True when the key was there. */
    public static boolean mapDelete(int fd, byte[] key) {
        Scratch s = Scratch.fits(key.length);
        try (Arena a = s == null ? Arena.ofConfined() : null) {
            MemorySegment k = s == null ? copy(a, key) : s.first(key); // typed: invokeExact takes static types
            int rc = (int) Native.MAP_DELETE.invokeExact(fd, k);
            if (rc == -BpfException.ENOENT) {
                return false;
            }
            Native.check("bpf_map_delete_elem", rc);
            return true;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** The key after {@code key} (the first key when null), or null at the end. */
    public static byte[] mapNextKey(int fd, byte[] key, int keySize) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment next = a.allocate(keySize);
            MemorySegment cur = key == null ? MemorySegment.NULL : copy(a, key);
            int rc = (int) Native.MAP_NEXT_KEY.invokeExact(fd, cur, next);
            if (rc == -BpfException.ENOENT) {
                return null;
            }
            Native.check("bpf_map_get_next_key", rc);
            return next.toArray(ValueLayout.JAVA_BYTE);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * A small native buffer per thread for the key and value of one map call: element lookups and updates run for
     * every DNS answer, and an arena per call cost two mallocs, zeroing and frees each time. Never held across calls
     * (map calls do not nest), never handed out of this class.
     */
    private static final class Scratch {
        private static final int SIZE = 1024;
        private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);
        private final MemorySegment buffer = Arena.ofAuto().allocate(SIZE, 8);

        /** This thread's buffer when {@code bytes} fit in it (at 8-byte alignment for the second part), else null. */
        static Scratch fits(int bytes) {
            return bytes + 8 <= SIZE && !Thread.currentThread().isVirtual() ? PER_THREAD.get() : null;
        }

        MemorySegment first(byte[] bytes) {
            MemorySegment s = buffer.asSlice(0, Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
            return s;
        }

        MemorySegment second(int after, int size) {
            return buffer.asSlice(align(after), size);
        }

        MemorySegment second(int after, byte[] bytes) {
            MemorySegment s = second(after, Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
            return s;
        }

        private static long align(int n) {
            return (Math.max(1, n) + 7L) & ~7L;
        }
    }

    private static MemorySegment copy(Arena a, byte[] bytes) {
        MemorySegment s = a.allocate(Math.max(1, bytes.length));
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return s;
    }
}
