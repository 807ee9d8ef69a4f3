package dev.egret.libbpf.internal;

import java.util.concurrent.atomic.AtomicInteger;

/** An owned file descriptor, closed exactly once. */
public final class Fd implements AutoCloseable {
    private final AtomicInteger fd;

    public Fd(int fd) {
        this.fd = new AtomicInteger(fd);
    }

    public int get() {
        int v = fd.get();
        if (v < 0) {
            throw new IllegalStateException("file descriptor already closed");
        }
        return v;
    }

    public boolean isOpen() {
        return fd.get() >= 0;
    }

    @Override
    public void close() {
        int v = fd.getAndSet(-1);
        if (v >= 0) {
            Native.closeFd(v);
        }
    }
}
