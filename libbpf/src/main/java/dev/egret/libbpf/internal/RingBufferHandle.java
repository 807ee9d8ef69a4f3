package dev.egret.libbpf.internal;

import dev.egret.libbpf.BpfException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * A libbpf {@code struct ring_buffer} on one map. Records are copied into a heap buffer before the consumer sees
 * them; the upcall never throws (a throwing consumer is counted and skipped).
 */
public final class RingBufferHandle implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final Consumer<ByteBuffer> consumer;
    private MemorySegment rb;
    private volatile long consumerFailures;

    public RingBufferHandle(int mapFd, Consumer<ByteBuffer> consumer) {
        this.consumer = consumer;
        try {
            MethodHandle target = MethodHandles.lookup().findVirtual(RingBufferHandle.class, "sample",
                    MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, long.class)).bindTo(this);
            MemorySegment stub = Native.linker().upcallStub(target, Native.SAMPLE_FN, arena);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment state = Native.captureState(a);
                MemorySegment r = (MemorySegment) Native.RINGBUF_NEW.invokeExact(state, mapFd, stub, MemorySegment.NULL,
                        MemorySegment.NULL);
                if (r.equals(MemorySegment.NULL)) {
                    throw new BpfException("ring_buffer__new", Native.errno(state));
                }
                rb = r;
            }
        } catch (Throwable t) {
            arena.close();
            throw Native.rethrow(t);
        }
    }

    @SuppressWarnings("unused") // called from native code
    private int sample(MemorySegment ctx, MemorySegment data, long size) {
        try {
            byte[] copy = data.reinterpret(size).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            consumer.accept(ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder()));
        } catch (Throwable t) {
            consumerFailures++;
        }
        return 0;
    }

    /** Waits up to {@code timeoutMs} for records and hands each to the consumer; returns how many. */
    public synchronized int poll(int timeoutMs) {
        try {
            int n = (int) Native.RINGBUF_POLL.invokeExact(live(), timeoutMs);
            if (n == -4) { // EINTR
                return 0;
            }
            return Native.check("ring_buffer__poll", n);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Hands every available record to the consumer without waiting. */
    public synchronized int drain() {
        try {
            return Native.check("ring_buffer__consume", (int) Native.RINGBUF_CONSUME.invokeExact(live()));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public long consumerFailures() {
        return consumerFailures;
    }

    private MemorySegment live() {
        if (rb == null) {
            throw new IllegalStateException("ring buffer closed");
        }
        return rb;
    }

    @Override
    public synchronized void close() {
        if (rb != null) {
            try {
                Native.RINGBUF_FREE.invokeExact(rb);
            } catch (Throwable t) {
                throw Native.rethrow(t);
            } finally {
                rb = null;
                arena.close();
            }
        }
    }
}
