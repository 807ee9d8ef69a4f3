package dev.egret.libbpf.internal;

import dev.egret.libbpf.BpfException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcalls into {@code libbpf.so.1} and the few libc calls its handles need; with {@link Libc} (UDP sockets, epoll),
 * the only places that know native signatures. libbpf's int functions return {@code -errno}; its pointer functions
 * return NULL and set errno, which is captured.
 */
public final class Native {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBBPF = SymbolLookup.libraryLookup("libbpf.so.1", Arena.global());
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    static final MethodHandle OBJECT_OPEN_FILE = errnoCall("bpf_object__open_file", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle OBJECT_LOAD = call("bpf_object__load", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle OBJECT_CLOSE = call("bpf_object__close", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle FIND_MAP = call("bpf_object__find_map_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle FIND_PROGRAM = call("bpf_object__find_program_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle NEXT_PROGRAM = call("bpf_object__next_program", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle PROGRAM_NAME = call("bpf_program__name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle MAP_SET_MAX_ENTRIES = call("bpf_map__set_max_entries", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle MAP_FD = call("bpf_map__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle PROGRAM_FD = call("bpf_program__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle LINK_CREATE = call("bpf_link_create", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle LINK_DETACH = call("bpf_link_detach", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MethodHandle LINK_UPDATE = call("bpf_link_update", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle OBJ_PIN = call("bpf_obj_pin", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle OBJ_GET = call("bpf_obj_get", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle OBJ_INFO = call("bpf_obj_get_info_by_fd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle MAP_UPDATE = call("bpf_map_update_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    static final MethodHandle MAP_UPDATE_BATCH = call("bpf_map_update_batch",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle MAP_LOOKUP = call("bpf_map_lookup_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle MAP_DELETE = call("bpf_map_delete_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle MAP_NEXT_KEY = call("bpf_map_get_next_key", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle RINGBUF_NEW = errnoCall("ring_buffer__new", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle RINGBUF_POLL = call("ring_buffer__poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle RINGBUF_CONSUME = call("ring_buffer__consume", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle SET_PRINT = call("libbpf_set_print", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle RINGBUF_FREE = call("ring_buffer__free", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LIBC.find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    static final MethodHandle MMAP = LINKER.downcallHandle(LIBC.find("mmap").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), CAPTURE_ERRNO);
    static final MethodHandle MUNMAP = LINKER.downcallHandle(LIBC.find("munmap").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));

    /** The signature of libbpf's ring_buffer_sample_fn: {@code int (*)(void *ctx, void *data, size_t size)}. */
    static final FunctionDescriptor SAMPLE_FN = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG);

    private Native() {
    }

    static Linker linker() {
        return LINKER;
    }

    private static MethodHandle call(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIBBPF.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libbpf.so.1: " + name)), fd);
    }

    /** A libc function, with errno captured into the caller's state segment when {@code errno}. */
    static MethodHandle libcCall(String name, FunctionDescriptor fd, boolean errno) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc: " + name));
        return errno ? LINKER.downcallHandle(symbol, fd, CAPTURE_ERRNO) : LINKER.downcallHandle(symbol, fd);
    }

    private static MethodHandle errnoCall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIBBPF.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libbpf.so.1: " + name)),
                fd, CAPTURE_ERRNO);
    }

    static MemorySegment captureState(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** Throws a typed exception when an int-returning libbpf call failed; returns the result otherwise. */
    static int check(String op, int result) {
        if (result < 0) {
            throw new BpfException(op, -result);
        }
        return result;
    }

    static void closeFd(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close(" + fd + ")", t);
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    static final ValueLayout.OfInt U32 = JAVA_INT;
}
