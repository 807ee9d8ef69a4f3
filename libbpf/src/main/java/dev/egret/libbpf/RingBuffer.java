package dev.egret.libbpf;

import dev.egret.libbpf.internal.RingBufferHandle;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/** Reads records from a {@code BPF_MAP_TYPE_RINGBUF} map; each record reaches the consumer as a native-order buffer. */
public final class RingBuffer implements AutoCloseable {
    private final RingBufferHandle handle;

    public RingBuffer(BpfMap map, Consumer<ByteBuffer> consumer) {
        this.handle = new RingBufferHandle(mapFd(map), consumer);
    }

    private static int mapFd(BpfMap map) {
        return map.fdForRingBuffer();
    }

    /** Waits up to {@code timeoutMs} for records; returns how many were consumed. */
    public int poll(int timeoutMs) {
        return handle.poll(timeoutMs);
    }

    /**
     * Waits up to {@code timeoutMs} for a wakeup, then consumes everything available, including records the
     * kernel submitted without a wakeup ({@code BPF_RB_NO_WAKEUP}), which {@link #poll} alone would leave until
     * the next wakeup; returns how many.
     */
    public int pollAndDrain(int timeoutMs) {
        return handle.poll(timeoutMs) + handle.drain();
    }

    /** Consumes what is available without waiting. */
    public int drain() {
        return handle.drain();
    }

    /** Records the consumer threw on (they are skipped, never propagated into native code). */
    public long consumerFailures() {
        return handle.consumerFailures();
    }

    @Override
    public void close() {
        handle.close();
    }
}
