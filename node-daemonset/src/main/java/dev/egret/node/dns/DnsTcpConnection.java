package dev.egret.node.dns;

import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetSocketInternal;
import io.vertx.core.parsetools.RecordParser;

import java.util.function.Consumer;

/**
 * One client's DNS-over-TCP connection (RFC 7766): length-prefixed queries, several in flight at once, answered in
 * whatever order they complete. At most {@link #MAX_IN_FLIGHT} of its queries are in flight at once: at that cap, and
 * while the socket's write queue is full, the connection is not read (further queries wait in the client's socket,
 * which TCP flow control then holds back), and reading resumes as answers go out. So one client can neither open
 * unbounded upstream connections nor make the proxy buffer unbounded answers. A client that half-closes (sends its
 * queries, then shuts its side down) still gets every answer, then the connection closes: Vert.x 4 has no server
 * option for that, so half-closure is allowed on the socket's Netty channel. On the socket's event loop only; I/O
 * only.
 */
final class DnsTcpConnection {
    /** A client connection's queries in flight at once; the next is read once one of them is answered. */
    static final int MAX_IN_FLIGHT = 32;

    /** Answers one query: {@code reply} gets the answer, or null to close the connection (malformed input), once. */
    interface Queries {
        void handle(byte[] wire, Consumer<byte[]> reply);
    }

    private final NetSocket socket;
    private final RecordParser parser;
    private final Queries queries;
    private final DnsMetrics metrics;
    private final Context context;
    private boolean header = true;
    /** The size of the record the parser is to hand over next: a length prefix, then that many bytes. */
    private int expected = 2;
    private boolean closed;
    private boolean paused;
    private int inFlight;
    /** The client shut its side down: no query follows what was received. */
    private boolean inputEnded;
    private Future<Void> lastWrite = Future.succeededFuture();

    private DnsTcpConnection(NetSocket socket, Queries queries, DnsMetrics metrics) {
        this.socket = socket;
        this.queries = queries;
        this.metrics = metrics;
        this.context = Vertx.currentContext();
        this.parser = RecordParser.newFixed(2, socket); // pausing the parser pauses the socket once its buffer is used
    }

    /** Serves {@code socket} until it closes. */
    static void serve(NetSocket socket, Queries queries, DnsMetrics metrics) {
        DnsTcpConnection c = new DnsTcpConnection(socket, queries, metrics);
        c.parser.handler(c::onRecord);
        socket.exceptionHandler(e -> c.close());
        socket.drainHandler(v -> c.flow());
        if (socket instanceof NetSocketInternal internal
                && internal.channelHandlerContext().channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true)) {
            internal.eventHandler(event -> {
                if (event instanceof ChannelInputShutdownEvent) {
                    c.inputEnded = true;
                    c.closeWhenDone();
                } else {
                    ReferenceCountUtil.release(event); // as Vert.x does with the events nobody takes
                }
            });
        }
    }

    private void onRecord(Buffer buf) {
        if (closed) {
            return; // the rest of what was buffered after a malformed frame
        }
        if (buf.length() != expected) { // defensive: a record cut short (a stream that ended mid-frame) is no query
            closed = true;
            return;
        }
        if (header) {
            int length = buf.getUnsignedShort(0);
            if (length < 12) {
                metrics.error("malformed");
                close();
                return;
            }
            header = false;
            expected = length;
            parser.fixedSizeMode(length);
            return;
        }
        header = true;
        expected = 2;
        parser.fixedSizeMode(2);
        inFlight++;
        flow();
        queries.handle(buf.getBytes(), this::onAnswer);
    }

    private void onAnswer(byte[] answer) {
        inFlight--;
        if (answer == null) {
            close();
            return;
        }
        if (closed) {
            return;
        }
        lastWrite = socket.write(Buffer.buffer(answer.length + 2).appendUnsignedShort(answer.length).appendBytes(answer));
        flow();
    }

    /** Reads on while below the cap and the write queue has room; otherwise not until that changes. */
    private void flow() {
        boolean hold = inFlight >= MAX_IN_FLIGHT || socket.writeQueueFull();
        if (hold && !paused) {
            paused = true;
            parser.pause();
        } else if (!hold && paused && !closed) {
            paused = false;
            parser.resume();
        }
        closeWhenDone();
    }

    /**
     * Once the client shut its side down, closes when its last answer is written. Checked after what the socket still
     * buffers was read (a resumed socket hands it over in a task of its own), so no query received is left unanswered.
     */
    private void closeWhenDone() {
        if (!inputEnded || closed || inFlight > 0 || paused) {
            return;
        }
        context.runOnContext(v -> {
            if (!closed && inFlight == 0 && !paused) {
                closed = true;
                lastWrite.onComplete(w -> socket.close());
            }
        });
    }

    private void close() {
        closed = true;
        socket.close();
    }
}
