package dev.egret.node.dns;

import dev.egret.libbpf.udp.UdpException;
import dev.egret.libbpf.udp.UdpLoop;
import dev.egret.libbpf.udp.UdpSocket;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;

import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * The DNS proxy's UDP sockets, on one platform thread of their own ({@link UdpLoop}: libc through the FFM API, no
 * Netty, no Vert.x): it waits in epoll, reads queries and answers with recvmmsg and sends what a read batch produced
 * with one sendmmsg per socket: datagrams sent while a batch of reads is handled go out together when it ends (one
 * wakeup of the peer instead of one per datagram); datagrams sent at any other time go out at once. Receivers, timers
 * and batch-end tasks all run on that thread, so the proxy's UDP state needs no lock. What has to wait for a Vert.x
 * future (a learn after a sweep of the full map) uses {@link #context()}, one Vert.x event-loop context; its answer
 * is sent from there, which any thread may. I/O only.
 */
final class DnsUdp implements AutoCloseable {
    /** What a socket receives; called on the UDP thread. Must not throw. */
    interface Receiver {
        void onDatagram(Socket socket, byte[] data, InetSocketAddress sender);
    }

    /**
     * A listener reads queries of up to this size whole (a larger one arrives cut, is malformed, is dropped and
     * counted); the upstream socket reads answers of up to the size it is bound with.
     */
    private static final int QUERY_MAX = 2048;
    /** The TC (truncated) flag in the third byte of a DNS header. */
    private static final int TC = 0x02;
    /** The upstream socket's receive buffer: answers of a burst wait there while a batch is handled. */
    private static final int UPSTREAM_RCVBUF = 256 * 1024;

    private final Context context;
    private final UdpLoop loop;

    DnsUdp(Vertx vertx) {
        this.context = ((VertxInternal) vertx).createEventLoopContext();
        this.loop = new UdpLoop("egret-dns-udp", Math.max(QUERY_MAX, DnsProxy.MAX_UDP_ANSWER));
    }

    /** Always: the sockets read with recvmmsg and send with sendmmsg. */
    boolean batched() {
        return true;
    }

    /** The Vert.x context the UDP path completes its futures on (created once). */
    Context context() {
        return context;
    }

    /**
     * Binds a socket on {@code local} and starts reading; {@code maxDatagram}: the largest datagram it must read
     * whole (a listener's queries: {@code 0} for the default; the upstream socket's answers: the EDNS size the proxy
     * advertises, with a larger receive buffer; a larger answer arrives cut with its TC flag set, so that the client
     * asks again over TCP). An IPv6 socket bound on {@code ::} also talks to IPv4 peers (as
     * {@code ::ffff:a.b.c.d}). Throws {@link IllegalStateException} saying the errno when it cannot (port in use...).
     */
    Socket bind(InetSocketAddress local, boolean ipv6, int maxDatagram, Receiver receiver) {
        UdpSocket u;
        try {
            u = loop.bind(local, ipv6, maxDatagram > 0 ? maxDatagram : QUERY_MAX, maxDatagram > 0 ? UPSTREAM_RCVBUF : 0);
        } catch (UdpException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        Socket socket = new Socket(u);
        try {
            boolean answers = maxDatagram > 0;
            u.receive((s, data, sender, truncated) -> {
                if (truncated && answers && data.length > 2) {
                    data[2] |= TC; // an answer cut to what the socket reads: the client asks again over TCP
                }
                receiver.onDatagram(socket, data, sender);
            });
        } catch (RuntimeException e) {
            u.close();
            throw new IllegalStateException(e.getMessage(), e);
        }
        return socket;
    }

    /** True on the UDP thread while a read batch is being handled (what it sends goes out when it ends). */
    boolean inReadBatch() {
        return loop.inReadBatch();
    }

    /**
     * Runs {@code task} when the read batch under way ends, before what the batch sent is flushed (so what the task
     * sends leaves with it). On the UDP thread, during a read batch only. Must not throw.
     */
    void atBatchEnd(Runnable task) {
        loop.atBatchEnd(task);
    }

    /** Runs {@code task} on the UDP thread after {@code delayMs}. Any thread. Must not throw. */
    void schedule(long delayMs, Runnable task) {
        loop.schedule(delayMs, task);
    }

    /** One bound UDP socket. */
    static final class Socket {
        private final UdpSocket socket;

        private Socket(UdpSocket socket) {
            this.socket = socket;
        }

        int localPort() {
            return socket.localPort();
        }

        /** Sends a datagram; {@code failed} (may be null) hears of a failure to send it (on the UDP thread). Any thread. */
        void send(byte[] data, InetSocketAddress to, Consumer<Throwable> failed) {
            socket.send(data, to, failed);
        }

        /** Closes the socket; off the UDP thread, waits until its port is free again. */
        void close() {
            socket.close();
        }
    }

    /** True while the UDP thread serves the sockets. */
    boolean alive() {
        return loop.alive();
    }

    /** Closes every socket and ends the UDP thread (off it: returns once their ports are free). */
    @Override
    public void close() {
        loop.close();
    }
}
