package dev.egret.libbpf;

import dev.egret.libbpf.internal.Native;

/**
 * The process's C heap. Loading BPF objects makes libbpf parse the kernel's BTF (megabytes of short-lived
 * allocations), and glibc keeps what was freed mapped in its arenas: {@link #trim()} hands it back.
 */
public final class NativeHeap {
    private NativeHeap() {
    }

    /** Returns freed C-heap memory to the kernel (glibc {@code malloc_trim}); false where that is unavailable. */
    public static boolean trim() {
        return Native.mallocTrim();
    }
}
