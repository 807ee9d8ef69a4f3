package dev.egret.node.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The DNS proxy's UDP sockets: Netty datagram channels on one Vert.x event loop, their handlers run in one Vert.x
 * context (so the proxy's timers and promises stay on that loop). With Vert.x on the native transport they are epoll
 * channels that read queries with recvmmsg and send what a read batch produced with one sendmmsg: datagrams written
 * while a batch of reads is handled go out together when it ends (one wakeup of the peer instead of one per
 * datagram); datagrams written at any other time go out at once. On NIO, the same logic with a syscall per datagram.
 * I/O only.
 */
final class DnsUdp implements AutoCloseable {
    /** What a socket receives; called on the event loop, in the proxy's context. Must not throw. */
    interface Receiver {
        void onDatagram(Socket socket, byte[] data, InetSocketAddress sender);
    }

    /**
     * A read takes up to this many datagrams at once (recvmmsg), each of at most the socket's datagram size (queries:
     * {@link #QUERY_MAX}; a larger one arrives cut, is malformed, is dropped and counted): at most 32 KiB per read, a
     * buffer Netty's per-thread cache keeps (a larger one would be allocated, zeroed and freed on every read).
     */
    private static final int READ_BUFFER = 32 * 1024;
    private static final int QUERY_MAX = 2048;

    private final ContextInternal context;
    private final EventLoop loop;
    private final boolean epoll;
    private final List<Socket> sockets = new ArrayList<>();
    private final Set<Channel> unflushed = new LinkedHashSet<>(); // event loop only
    private boolean inReadBatch; // event loop only
    private final List<Runnable> atBatchEnd = new ArrayList<>(); // event loop only

    DnsUdp(Vertx vertx) {
        this.context = (ContextInternal) vertx.getOrCreateContext();
        this.loop = context.nettyEventLoop();
        this.epoll = vertx.isNativeTransportEnabled(); // then Vert.x's event loops are epoll loops
    }

    /** True when the sockets are epoll channels (recvmmsg/sendmmsg). */
    boolean batched() {
        return epoll;
    }

    /**
     * Binds a socket on {@code local}; {@code maxDatagram}: the largest datagram it must read whole (a listener's
     * queries: {@code 0} for the default; the upstream socket's answers: the EDNS size the proxy advertises).
     */
    Socket bind(InetSocketAddress local, boolean ipv6, int maxDatagram, Receiver receiver) {
        InternetProtocolFamily family = ipv6 ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4;
        Socket socket = new Socket();
        Bootstrap b = new Bootstrap().group(loop)
                .channelFactory(() -> epoll ? new EpollDatagramChannel(family) : new NioDatagramChannel(family))
                .handler(new Reader(socket, receiver));
        int datagram = maxDatagram > 0 ? maxDatagram : QUERY_MAX;
        if (epoll) {
            b.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(Math.max(datagram, READ_BUFFER / datagram * datagram)))
                    .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, datagram);
        } else {
            b.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(datagram));
        }
        if (maxDatagram > 0) {
            b.option(ChannelOption.SO_RCVBUF, 256 * 1024);
        }
        ChannelFuture bound = b.bind(local).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            bound.channel().close();
            throw new IllegalStateException(bound.cause() == null ? "bind failed" : bound.cause().getMessage(), bound.cause());
        }
        synchronized (sockets) {
            sockets.add(socket);
        }
        return socket;
    }

    /** True on the event loop while a read batch is being handled (what it writes goes out when it ends). */
    boolean inReadBatch() {
        return inReadBatch && loop.inEventLoop();
    }

    /**
     * Runs {@code task} when the read batch under way ends, before what the batch wrote is flushed (so what the task
     * sends leaves with it). On the event loop, during a read batch only. Must not throw.
     */
    void atBatchEnd(Runnable task) {
        atBatchEnd.add(task);
    }

    /** Runs {@code task} on the sockets' event loop, in their context, after {@code delayMs}. Must not throw. */
    void schedule(long delayMs, Runnable task) {
        loop.schedule(() -> context.emit(null, v -> task.run()), delayMs, TimeUnit.MILLISECONDS);
    }

    /** One bound UDP socket. */
    final class Socket {
        /** Set on the event loop when the channel registers, before it can read (a fixed port may have queries waiting). */
        private volatile Channel channel;

        int localPort() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        /** Sends a datagram; {@code failed} hears of a failure to send it (on the event loop). Any thread. */
        void send(byte[] data, InetSocketAddress to, Consumer<Throwable> failed) {
            if (!loop.inEventLoop()) {
                loop.execute(() -> send(data, to, failed));
                return;
            }
            DatagramPacket packet = new DatagramPacket(Unpooled.wrappedBuffer(data), to);
            if (failed == null) {
                channel.write(packet, channel.voidPromise()); // an answer: no promise per datagram
            } else {
                channel.write(packet).addListener(done -> {
                    if (!done.isSuccess()) {
                        failed.accept(done.cause());
                    }
                });
            }
            if (inReadBatch) {
                unflushed.add(channel);
            } else {
                channel.flush();
            }
        }

        /** Closes the socket; off the event loop, waits until its port is free again. */
        void close() {
            synchronized (sockets) {
                sockets.remove(this);
            }
            ChannelFuture closed = channel.close();
            if (!loop.inEventLoop()) {
                closed.awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Hands each datagram to the receiver in the proxy's context; flushes what the batch wrote when it ends. */
    private final class Reader extends ChannelInboundHandlerAdapter {
        private final Socket socket;
        private final Receiver receiver;

        Reader(Socket socket, Receiver receiver) {
            this.socket = socket;
            this.receiver = receiver;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            socket.channel = ctx.channel();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket p = (DatagramPacket) msg;
            try {
                inReadBatch = true;
                byte[] data = ByteBufUtil.getBytes(p.content());
                context.emit(p.sender(), sender -> receiver.onDatagram(socket, data, sender));
            } finally {
                p.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (!atBatchEnd.isEmpty()) {
                List<Runnable> tasks = new ArrayList<>(atBatchEnd);
                atBatchEnd.clear();
                context.emit(null, v -> tasks.forEach(Runnable::run)); // still in the batch: their sends are flushed below
            }
            inReadBatch = false;
            for (Channel c : unflushed) {
                c.flush();
            }
            unflushed.clear();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP errors of earlier sends (port unreachable) surface here: the query's own timeout answers it
        }
    }

    @Override
    public void close() {
        List<Socket> all;
        synchronized (sockets) {
            all = new ArrayList<>(sockets);
            sockets.clear();
        }
        all.forEach(Socket::close);
    }
}
