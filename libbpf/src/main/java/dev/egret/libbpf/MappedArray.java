package dev.egret.libbpf;

import dev.egret.libbpf.internal.MappedArrayHandle;

/**
 * A BPF array map ({@code BPF_F_MMAPABLE}) read through a mapping of its memory: a read is a copy, not a syscall.
 * For elements the kernel guards with a sequence number in their first four bytes (odd while it writes them).
 * Thread-safe for readers; close it before its map.
 */
public final class MappedArray implements AutoCloseable {
    private final MappedArrayHandle handle;
    private final int valueSize;
    private final int size;

    MappedArray(int mapFd, int valueSize, int size) {
        this.handle = new MappedArrayHandle(mapFd, valueSize, size);
        this.valueSize = valueSize;
        this.size = size;
    }

    public int valueSize() {
        return valueSize;
    }

    public int size() {
        return size;
    }

    /**
     * Copies element {@code index} into {@code into} when the copy is whole (its sequence number even and the same
     * before and after); false when the kernel was writing it.
     */
    public boolean readSeqlocked(int index, byte[] into) {
        return handle.readSeqlocked(index, into);
    }

    @Override
    public void close() {
        handle.close();
    }
}
