package dev.egret.libbpf.internal;

import dev.egret.libbpf.BpfException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A {@code BPF_F_MMAPABLE} array map mapped read-only into this process ({@code mmap(2)} of the map's fd), unmapped
 * on close. Elements whose first four bytes are a sequence number, odd while the kernel writes the element, are
 * copied out whole or not at all ({@link #readSeqlocked}). The mapping never leaves this class.
 */
public final class MappedArrayHandle implements AutoCloseable {
    private static final int PROT_READ = 1;
    private static final int MAP_SHARED = 1;
    private static final VarHandle SEQ = ValueLayout.JAVA_INT.varHandle();

    private final long length;
    private final int stride;
    private final int count;
    private final int valueSize;
    /** Owns the mapping: closing it waits until no thread is reading, then unmaps; later reads throw. */
    private final Arena arena = Arena.ofShared();
    private final MemorySegment base;

    public MappedArrayHandle(int mapFd, int valueSize, int count) {
        this.valueSize = valueSize;
        this.count = count;
        this.stride = (valueSize + 7) & ~7; // array elements are 8-byte aligned
        long pageSize = 4096;
        this.length = ((long) stride * count + pageSize - 1) / pageSize * pageSize;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Native.captureState(a);
            MemorySegment p = (MemorySegment) Native.MMAP.invokeExact(state, MemorySegment.NULL, length, PROT_READ,
                    MAP_SHARED, mapFd, 0L);
            if (p.address() == -1L || p.equals(MemorySegment.NULL)) {
                throw new BpfException("mmap of a BPF array", Native.errno(state));
            }
            base = p.reinterpret(length, arena, this::unmap);
        } catch (Throwable t) {
            arena.close();
            throw Native.rethrow(t);
        }
    }

    /**
     * Copies element {@code index} into {@code into} ({@code valueSize} bytes) when it is whole: its sequence number
     * was even and unchanged across the copy. False when it was being written (the caller asks another way).
     */
    public boolean readSeqlocked(int index, byte[] into) {
        MemorySegment m = base; // a closed arena makes every access below throw, never touch unmapped memory
        if (index < 0 || index >= count || into.length < valueSize) {
            throw new IndexOutOfBoundsException(index);
        }
        long at = (long) index * stride;
        int before = (int) SEQ.getAcquire(m, at);
        if ((before & 1) != 0) {
            return false;
        }
        MemorySegment.copy(m, ValueLayout.JAVA_BYTE, at, into, 0, valueSize);
        VarHandle.loadLoadFence();
        return (int) SEQ.getAcquire(m, at) == before;
    }

    private void unmap(MemorySegment at) {
        try {
            int ignored = (int) Native.MUNMAP.invokeExact(at, length);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
