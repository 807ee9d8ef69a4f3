package dev.egret.libbpf.udp;

import dev.egret.libbpf.internal.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * UDP sockets served by one platform thread of its own: it waits in {@code epoll_wait}, reads each ready socket with
 * {@code recvmmsg} into one preallocated native buffer ({@link RecvBatch#VLEN} datagrams a call, at most
 * {@link #READS_PER_WAKEUP} calls per socket per wakeup so that one busy socket does not starve the others) and hands
 * every datagram to its socket's {@link Receiver} as a fresh byte array. The datagrams of one read are a batch: what
 * is sent while they are handed out, and by the tasks {@link #atBatchEnd} collects, leaves with one {@code sendmmsg}
 * per socket when the batch ends. Timers ({@link #schedule}) and tasks from other threads (woken through an
 * {@code eventfd}) run on the same thread, their sends sent together after them. A callback that throws is logged;
 * the loop goes on.
 */
public final class UdpLoop implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(UdpLoop.class.getName());
    /** The eventfd's epoll token; sockets' tokens start at 1. */
    private static final int WAKE = 0;
    private static final int MAX_EVENTS = 64;
    /** recvmmsg calls per ready socket per wakeup at most (level-triggered epoll reports what is left). */
    static final int READS_PER_WAKEUP = 4;
    private static final int MAX_DATAGRAM = 65535;
    private static final long WAIT_SECONDS = 10;
    /** The loop turns at least this often (ms), idle or not: see {@link #alive}. */
    static final long HEARTBEAT_MS = 1000;
    /** A timer further off than this (a day) runs after it: no deadline arithmetic overflows. */
    private static final long MAX_DELAY_MS = TimeUnit.DAYS.toMillis(1);

    /** What a socket receives: each datagram, on the loop thread. Must not throw. */
    public interface Receiver {
        /** @param truncated the datagram was larger than the socket's slot: {@code data} holds its first part */
        void onDatagram(UdpSocket socket, byte[] data, InetSocketAddress sender, boolean truncated);
    }

    private final int maxSlot;
    private final int epfd;
    private final int eventFd;
    private final MemorySegment one = Arena.ofAuto().allocate(ValueLayout.JAVA_LONG);
    private final Thread thread;
    private final AtomicInteger tokens = new AtomicInteger(WAKE);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final long stallNanos;
    /** When the loop last came back from epoll_wait. */
    private volatile long lastTurn;

    private final Object lock = new Object();
    /** Tasks from other threads; under {@link #lock}. */
    private final ArrayDeque<Runnable> posted = new ArrayDeque<>();
    /** The eventfd was written and the loop has not taken the tasks since; under {@link #lock}. */
    private boolean wakePending;
    /** Set under {@link #lock}: no task is taken any more; the loop closes everything and ends. */
    private volatile boolean stopping;

    // the loop thread's alone:
    private final List<UdpSocket> sockets = new ArrayList<>();
    private final List<UdpSocket> dirty = new ArrayList<>();
    private final List<Runnable> batchEnd = new ArrayList<>();
    private final ArrayDeque<Runnable> local = new ArrayDeque<>();
    private final ArrayDeque<Runnable> running = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final SockAddr addresses = new SockAddr();
    private long timerSeq;
    private boolean inBatch;
    private boolean deferFlush;
    private long lastWarn;
    private int warnsSkipped;
    private MemorySegment errno;
    private MemorySegment events;
    private MemorySegment ctlEvent;
    private MemorySegment counter;
    private RecvBatch recv;
    private SendBatch send;

    /** @param maxSlot the largest datagram size a socket of this loop may ask to read whole */
    public UdpLoop(String threadName, int maxSlot) {
        this(threadName, maxSlot, Duration.ofSeconds(30));
    }

    /**
     * @param stallAfter how long the loop may go without a turn before {@link #alive} says it is stuck (it turns at
     *                   least every {@link #HEARTBEAT_MS} ms, busy or idle)
     */
    public UdpLoop(String threadName, int maxSlot, Duration stallAfter) {
        if (stallAfter.toMillis() <= HEARTBEAT_MS) {
            throw new IllegalArgumentException("a stall is longer than the loop's heartbeat: " + stallAfter);
        }
        this.stallNanos = stallAfter.toNanos();
        if (maxSlot <= 0 || maxSlot > MAX_DATAGRAM) {
            throw new IllegalArgumentException("datagram size " + maxSlot);
        }
        this.maxSlot = maxSlot;
        int ep = -1;
        int ev = -1;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libc.errnoState(a);
            ep = (int) Libc.EPOLL_CREATE1.invokeExact(state, Libc.EPOLL_CLOEXEC);
            if (ep < 0) {
                throw new UdpException("epoll_create1", Libc.errno(state));
            }
            ev = (int) Libc.EVENTFD.invokeExact(state, 0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
            if (ev < 0) {
                throw new UdpException("eventfd", Libc.errno(state));
            }
            int err = ctl(ep, Libc.EPOLL_CTL_ADD, ev, Libc.EPOLLIN, WAKE, a.allocate(Libc.EPOLL_EVENT_SIZE, 8), state);
            if (err != 0) {
                throw new UdpException("epoll_ctl", err);
            }
        } catch (Throwable t) {
            Libc.close(ev);
            Libc.close(ep);
            throw Libc.rethrow(t);
        }
        epfd = ep;
        eventFd = ev;
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        lastTurn = System.nanoTime();
        thread = Thread.ofPlatform().name(threadName).daemon().start(this::run);
        schedule(HEARTBEAT_MS, this::heartbeat);
    }

    /** A timer that keeps the loop turning while idle, so that a loop that stopped turning is seen as stuck. */
    private void heartbeat() {
        schedule(HEARTBEAT_MS, this::heartbeat);
    }

    /**
     * Opens a non-blocking UDP socket bound on {@code local} (IPv6: dual-stack when bound on the wildcard address,
     * IPv6 only otherwise). {@code slot}: the largest datagram a read takes whole (a larger one arrives cut to it);
     * {@code receiveBuffer}: SO_RCVBUF when positive. It reads nothing before {@link UdpSocket#receive}. Any thread;
     * a failed call throws {@link UdpException} with the errno and leaves nothing open.
     */
    public UdpSocket bind(InetSocketAddress local, boolean ipv6, int slot, int receiveBuffer) {
        if (slot <= 0 || slot > maxSlot) {
            throw new IllegalArgumentException("datagram size " + slot + " beyond this loop's " + maxSlot);
        }
        InetAddress address = local.getAddress();
        if (address == null || (!ipv6 && address instanceof Inet6Address)) {
            throw new IllegalArgumentException("cannot bind an IPv" + (ipv6 ? 6 : 4) + " socket on " + local);
        }
        if (stopping) {
            throw new IllegalStateException("UDP loop closed");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libc.errnoState(a);
            int fd = (int) Libc.SOCKET.invokeExact(state, ipv6 ? Libc.AF_INET6 : Libc.AF_INET,
                    Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new UdpException("socket", Libc.errno(state));
            }
            try {
                MemorySegment value = a.allocate(ValueLayout.JAVA_INT);
                if (ipv6) {
                    boolean v6only = address instanceof Inet6Address && !address.isAnyLocalAddress();
                    value.set(ValueLayout.JAVA_INT, 0, v6only ? 1 : 0);
                    if ((int) Libc.SETSOCKOPT.invokeExact(state, fd, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, value, 4) < 0) {
                        throw new UdpException("setsockopt(IPV6_V6ONLY)", Libc.errno(state));
                    }
                }
                if (receiveBuffer > 0) {
                    value.set(ValueLayout.JAVA_INT, 0, receiveBuffer);
                    if ((int) Libc.SETSOCKOPT.invokeExact(state, fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, value, 4) < 0) {
                        throw new UdpException("setsockopt(SO_RCVBUF)", Libc.errno(state));
                    }
                }
                MemorySegment name = a.allocate(Mmsghdr.NAME, 8);
                int length = SockAddr.write(address, address.getAddress(), local.getPort(), ipv6, name, 0);
                if ((int) Libc.BIND.invokeExact(state, fd, name, length) < 0) {
                    throw new UdpException("bind(" + text(local) + ")", Libc.errno(state));
                }
                MemorySegment nameLength = a.allocate(ValueLayout.JAVA_INT);
                nameLength.set(ValueLayout.JAVA_INT, 0, Mmsghdr.NAME);
                if ((int) Libc.GETSOCKNAME.invokeExact(state, fd, name, nameLength) < 0) {
                    throw new UdpException("getsockname", Libc.errno(state));
                }
                int port = Short.toUnsignedInt(Short.reverseBytes(name.get(ValueLayout.JAVA_SHORT, 2)));
                return new UdpSocket(this, fd, ipv6, slot, port, tokens.incrementAndGet());
            } catch (Throwable t) {
                Libc.close(fd);
                throw t;
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    private static String text(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** True on the loop thread while the datagrams of a read are handed out (what is sent then goes when it ends). */
    public boolean inReadBatch() {
        return inBatch && inLoop();
    }

    /**
     * Runs {@code task} when the read batch under way ends, before what the batch sent goes out (so what the task
     * sends leaves with it). On the loop thread, during a read batch only. Must not throw.
     */
    public void atBatchEnd(Runnable task) {
        if (!inReadBatch()) {
            throw new IllegalStateException("not in a read batch of this loop");
        }
        batchEnd.add(task);
    }

    /**
     * Runs {@code task} on the loop thread after {@code delayMs}; tasks due at the same time run in the order they
     * were scheduled. Any thread; dropped once the loop is closed. Must not throw.
     */
    public void schedule(long delayMs, Runnable task) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.clamp(delayMs, 0, MAX_DELAY_MS));
        if (inLoop()) {
            timers.add(new Timer(deadline, timerSeq++, task));
        } else {
            post(() -> timers.add(new Timer(deadline, timerSeq++, task)));
        }
    }

    /**
     * True while the loop's thread runs and turns: false once closed, should the thread have died, or when it has not
     * come back to {@code epoll_wait} for longer than the stall given (a receiver or task that never returns).
     */
    public boolean alive() {
        return !stopping && thread.isAlive() && System.nanoTime() - lastTurn < stallNanos;
    }

    /** True on the loop's thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Closes every socket and ends the thread; off the loop, returns once both are done. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (!stopping) {
                stopping = true;
                wake();
            }
        }
        if (!inLoop()) {
            awaitTermination();
        }
    }

    private void awaitTermination() {
        try {
            if (!terminated.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "UDP loop " + thread.getName() + " did not end in " + WAIT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- called through UdpSocket ---

    void register(UdpSocket s, Receiver receiver) {
        if (s.loop != this) {
            throw new IllegalArgumentException(s + " is not this loop's");
        }
        onLoop(() -> {
            if (s.closed || s.registered) {
                throw new IllegalStateException(s + (s.closed ? " is closed" : " reads already"));
            }
            s.receiver = receiver;
            int err = ctl(epfd, Libc.EPOLL_CTL_ADD, s.fd, Libc.EPOLLIN, s.token, ctlEvent, errno);
            if (err != 0) {
                throw new UdpException("epoll_ctl", err);
            }
            s.registered = true;
            sockets.add(s);
        });
    }

    void send(UdpSocket s, byte[] datagram, InetSocketAddress to, Consumer<Throwable> failed) {
        if (!inLoop()) {
            post(() -> send(s, datagram, to, failed)); // refused once the loop is closed: dropped with it
            return;
        }
        if (s.closed) {
            fail(failed, new IllegalStateException("UDP socket closed"));
        } else if (to.getAddress() == null) {
            fail(failed, new IllegalArgumentException("unresolved address " + to));
        } else if (datagram.length > MAX_DATAGRAM) {
            fail(failed, new UdpException("sendmmsg", Libc.EMSGSIZE));
        } else if (!s.queue.add(datagram, to, failed)) {
            fail(failed, new UdpException("sendmmsg", Libc.ENOBUFS));
        } else if (inBatch || deferFlush) {
            if (!s.dirty) {
                s.dirty = true;
                dirty.add(s);
            }
        } else {
            flush(s);
        }
    }

    void close(UdpSocket s) {
        if (inLoop()) {
            closeOnLoop(s);
            return;
        }
        try { // even when already marked closed: the loop may be closing its fd right now, and the port must be free
            onLoop(() -> closeOnLoop(s));
            return;
        } catch (LoopClosed e) {
            awaitTermination(); // the loop closes its sockets on its way out; one it never read is closed below
        }
        s.closeFd();
    }

    // --- the loop ---

    private void run() {
        try (Arena arena = Arena.ofConfined()) {
            errno = Libc.errnoState(arena);
            events = arena.allocate((long) MAX_EVENTS * Libc.EPOLL_EVENT_SIZE, 8);
            ctlEvent = arena.allocate(Libc.EPOLL_EVENT_SIZE, 8);
            counter = arena.allocate(ValueLayout.JAVA_LONG);
            recv = new RecvBatch(arena, maxSlot);
            send = new SendBatch(arena);
            while (!stopping) {
                try {
                    turn();
                } catch (Throwable t) { // an OutOfMemoryError, say: DNS for the whole node depends on this thread
                    warn(t, "UDP loop: unexpected failure; going on");
                }
            }
            shutdown();
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "UDP loop " + thread.getName() + " failed", t);
            synchronized (lock) {
                stopping = true;
            }
            sockets.forEach(UdpSocket::closeFd);
        } finally {
            terminated.countDown();
        }
    }

    /** One wait, what it reported, then the tasks and timers due. */
    private void turn() throws Throwable {
        int n = (int) Libc.EPOLL_WAIT.invokeExact(errno, epfd, events, MAX_EVENTS, timeout());
        lastTurn = System.nanoTime();
        if (n < 0) {
            int e = Libc.errno(errno);
            if (e != Libc.EINTR) {
                warn(new UdpException("epoll_wait", e), "UDP loop: epoll_wait failed");
            }
            n = 0;
        }
        for (int i = 0; i < n; i++) {
            long at = (long) i * Libc.EPOLL_EVENT_SIZE;
            int ready = events.get(ValueLayout.JAVA_INT_UNALIGNED, at);
            int token = events.get(ValueLayout.JAVA_INT_UNALIGNED, at + 4);
            if (token == WAKE) {
                long ignored = (long) Libc.READ.invokeExact(eventFd, counter, 8L);
                continue;
            }
            UdpSocket s = socket(token);
            if (s == null) {
                continue; // closed by an earlier event of this wait
            }
            if ((ready & Libc.EPOLLOUT) != 0) {
                watchWritable(s, false);
                flush(s);
            }
            if ((ready & (Libc.EPOLLIN | Libc.EPOLLERR)) != 0) {
                read(s);
            }
        }
        deferFlush = true;
        try {
            takePosted();
            for (Runnable r = running.poll(); r != null; r = running.poll()) {
                guarded(r);
            }
            for (int i = local.size(); i > 0; i--) { // what these add waits for the next turn (which does not wait)
                guarded(local.poll());
            }
            long now = System.nanoTime();
            for (Timer t = timers.peek(); t != null && t.deadline - now <= 0; t = timers.peek()) {
                guarded(timers.poll().task);
            }
        } finally {
            deferFlush = false;
            flushDirty();
        }
    }

    /** epoll_wait's timeout: none with work waiting, until the next timer, or forever. */
    private int timeout() {
        if (!local.isEmpty()) {
            return 0;
        }
        Timer t = timers.peek();
        if (t == null) {
            return -1;
        }
        long ns = t.deadline - System.nanoTime();
        return ns <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (ns + 999_999) / 1_000_000);
    }

    private UdpSocket socket(int token) {
        for (int i = 0; i < sockets.size(); i++) {
            UdpSocket s = sockets.get(i);
            if (s.token == token) {
                return s;
            }
        }
        return null;
    }

    /** Reads a ready socket: a few recvmmsg calls, each one batch. */
    private void read(UdpSocket s) {
        for (int round = 0; round < READS_PER_WAKEUP && !s.closed; round++) {
            int n = recv.receive(s.fd, s.slot, errno);
            if (n < 0) {
                int e = -n;
                if (e == Libc.EAGAIN) {
                    return;
                }
                if (e == Libc.EINTR || icmp(e)) {
                    continue; // an ICMP error of an earlier send: the query's own timeout answers it
                }
                warn(new UdpException("recvmmsg", e), "UDP loop: cannot read " + s);
                return;
            }
            inBatch = true;
            try {
                for (int i = 0; i < n && !s.closed; i++) {
                    try { // what fails (a receiver, an allocation) costs this datagram only
                        InetSocketAddress sender = recv.sender(i, addresses);
                        if (sender != null) {
                            s.receiver.onDatagram(s, recv.datagram(i), sender, recv.truncated(i));
                        }
                    } catch (Throwable t) {
                        warn(t, "UDP loop: a receiver failed");
                    }
                }
            } finally {
                recv.reset(n);
                endBatch();
            }
            if (n < RecvBatch.VLEN) {
                return; // the socket is drained (or nearly: epoll says so again)
            }
        }
    }

    private static boolean icmp(int errno) {
        return errno == Libc.ECONNREFUSED || errno == Libc.EHOSTUNREACH || errno == Libc.ENETUNREACH
                || errno == Libc.EHOSTDOWN || errno == Libc.ECONNRESET;
    }

    /** The batch's tasks (still in the batch: what they send is queued), then what the batch sent goes out. */
    private void endBatch() {
        try {
            for (int i = 0; i < batchEnd.size(); i++) { // a task may add another
                guarded(batchEnd.get(i));
            }
        } finally {
            batchEnd.clear();
            inBatch = false;
            flushDirty();
        }
    }

    private void flushDirty() {
        for (int i = 0; i < dirty.size(); i++) {
            UdpSocket s = dirty.get(i);
            s.dirty = false;
            flush(s);
        }
        dirty.clear();
    }

    /** Sends what the socket has queued, 64 datagrams a sendmmsg, until done or the kernel takes no more. */
    private void flush(UdpSocket s) {
        SendQueue q = s.queue;
        while (!q.isEmpty() && !s.waitingWritable && !s.closed) {
            send.clear();
            int size = q.size();
            for (int k = 0; k < size && send.add(q.data(k), q.to(k), s.ipv6, addresses); k++) {
                // packed
            }
            int r = send.send(s.fd, errno);
            if (r > 0) {
                q.drop(r);
                continue;
            }
            int e = r == 0 ? Libc.EAGAIN : -r;
            if (e == Libc.EINTR) {
                continue;
            }
            if (e == Libc.EAGAIN) {
                watchWritable(s, true); // the rest goes when the kernel has room again
                return;
            }
            fail(q.failed(0), new UdpException("sendmmsg", e)); // the first could not go: the others may
            q.drop(1);
        }
    }

    private void watchWritable(UdpSocket s, boolean on) {
        if (s.waitingWritable == on) {
            return;
        }
        s.waitingWritable = on;
        int err = ctl(epfd, Libc.EPOLL_CTL_MOD, s.fd, Libc.EPOLLIN | (on ? Libc.EPOLLOUT : 0), s.token, ctlEvent, errno);
        if (err != 0) {
            warn(new UdpException("epoll_ctl", err), "UDP loop: cannot watch " + s);
            s.waitingWritable = false;
        }
    }

    private void closeOnLoop(UdpSocket s) {
        if (s.closed) {
            return;
        }
        if (s.registered) {
            ctl(epfd, Libc.EPOLL_CTL_DEL, s.fd, 0, s.token, ctlEvent, errno);
            sockets.remove(s);
            s.registered = false;
        }
        s.closeFd();
        SendQueue q = s.queue;
        int left = q.size();
        for (int i = 0; i < left; i++) {
            fail(q.failed(i), new IllegalStateException("UDP socket closed"));
        }
        q.drop(left);
    }

    /** Tells {@code failed} on the loop, after what runs now: never from within the send that failed. */
    private void fail(Consumer<Throwable> failed, Throwable cause) {
        if (failed != null) {
            local.add(() -> failed.accept(cause));
        }
    }

    private void guarded(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            warn(t, "UDP loop: a task failed");
        }
    }

    /** The end: tasks posted before the close, then every socket, then the loop's own fds. */
    private void shutdown() {
        takePosted();
        for (Runnable r = running.poll(); r != null; r = running.poll()) {
            guarded(r);
        }
        for (UdpSocket s : List.copyOf(sockets)) {
            closeOnLoop(s);
        }
        local.clear();
        timers.clear();
        synchronized (lock) { // no poster writes to the eventfd any more
            Libc.close(eventFd);
        }
        Libc.close(epfd);
    }

    // --- tasks from other threads ---

    /** Runs {@code task} on the loop and waits for it; rethrows what it threw. Throws if the loop is closed. */
    private void onLoop(Runnable task) {
        if (inLoop()) {
            task.run();
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!post(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        })) {
            throw new LoopClosed();
        }
        try {
            done.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw Libc.rethrow(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("UDP loop " + thread.getName() + " did not answer in " + WAIT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Hands a task to the loop; false once it is closed. */
    private boolean post(Runnable task) {
        synchronized (lock) {
            if (stopping) {
                return false;
            }
            posted.add(task);
            wake();
            return true;
        }
    }

    /** Under {@link #lock}: writes the eventfd unless a wakeup is pending already. */
    private void wake() {
        if (!wakePending) {
            wakePending = true;
            try {
                long ignored = (long) Libc.WRITE.invokeExact(eventFd, one, 8L);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        }
    }

    private void takePosted() {
        synchronized (lock) {
            wakePending = false;
            running.addAll(posted);
            posted.clear();
        }
    }

    private static int ctl(int epfd, int op, int fd, int events, int token, MemorySegment event, MemorySegment state) {
        event.set(ValueLayout.JAVA_INT_UNALIGNED, 0, events);
        event.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, token);
        try {
            return (int) Libc.EPOLL_CTL.invokeExact(state, epfd, op, fd, event) < 0 ? Libc.errno(state) : 0;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Logs at most one warning every ten seconds (a failure per datagram would flood the log). */
    private void warn(Throwable t, String message) {
        long now = System.nanoTime();
        if (lastWarn != 0 && now - lastWarn < TimeUnit.SECONDS.toNanos(10)) {
            warnsSkipped++;
            return;
        }
        lastWarn = now;
        int skipped = warnsSkipped;
        warnsSkipped = 0;
        try { // logging allocates: with the heap exhausted it throws, and the loop must go on
            LOG.log(System.Logger.Level.WARNING, message + (skipped == 0 ? "" : " (" + skipped + " more warnings not logged)"), t);
        } catch (Throwable ignored) {
            warnsSkipped += 1 + skipped;
        }
    }

    /** The loop takes no more tasks. */
    private static final class LoopClosed extends IllegalStateException {
        LoopClosed() {
            super("UDP loop closed");
        }
    }

    private record Timer(long deadline, long seq, Runnable task) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            long d = deadline - o.deadline;
            return d != 0 ? (d < 0 ? -1 : 1) : Long.compare(seq, o.seq);
        }
    }
}
