package dev.egret.libbpf.udp;

import dev.egret.libbpf.internal.Libc;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A bound, non-blocking UDP socket of a {@link UdpLoop}: it reads once {@link #receive} registered it with the loop.
 * Its fd is closed exactly once, on the loop while the loop runs (so the loop never reads a closed or reused fd).
 */
public final class UdpSocket {
    final UdpLoop loop;
    final int fd;
    final boolean ipv6;
    /** The largest datagram a read takes whole. */
    final int slot;
    private final int port;
    /** The loop's key for this socket in its epoll set; never reused. */
    final int token;
    // loop thread only:
    UdpLoop.Receiver receiver;
    boolean registered;
    final SendQueue queue = new SendQueue();
    boolean dirty;
    /** The kernel took no more datagrams (EAGAIN): the queue waits for EPOLLOUT. */
    boolean waitingWritable;
    /** Set once, just before the fd is closed. */
    volatile boolean closed;
    private final AtomicBoolean fdClosed = new AtomicBoolean();

    UdpSocket(UdpLoop loop, int fd, boolean ipv6, int slot, int port, int token) {
        this.loop = loop;
        this.fd = fd;
        this.ipv6 = ipv6;
        this.slot = slot;
        this.port = port;
        this.token = token;
    }

    public int localPort() {
        return port;
    }

    /** Starts reading: each datagram goes to {@code receiver} on the loop thread. Once; any thread (waits). */
    public void receive(UdpLoop.Receiver receiver) {
        loop.register(this, receiver);
    }

    /**
     * Sends a datagram to {@code to} (an IPv4 address from an IPv6 socket goes out mapped); {@code failed} (may be
     * null) hears of a failure to send it, on the loop thread, never of a success. During a read batch on the loop
     * it is queued until the batch ends; at any other time on the loop it goes out at once; from another thread it
     * is handed to the loop. A socket closed meanwhile fails it; a loop closed drops it.
     */
    public void send(byte[] datagram, InetSocketAddress to, Consumer<Throwable> failed) {
        loop.send(this, datagram, to, failed);
    }

    /** Closes the socket; off the loop, returns once its fd is closed (its port free again). Any thread; idempotent. */
    public void close() {
        loop.close(this);
    }

    /** Closes the fd itself, once. */
    void closeFd() {
        closed = true;
        if (fdClosed.compareAndSet(false, true)) {
            Libc.close(fd);
        }
    }

    @Override
    public String toString() {
        return "udp socket fd " + fd + " port " + port;
    }
}
