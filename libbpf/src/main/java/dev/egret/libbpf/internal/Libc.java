package dev.egret.libbpf.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcalls into libc for UDP sockets, epoll and eventfd, with the x86_64 Linux constants they take, for the UDP
 * transport ({@code dev.egret.libbpf.udp}); libbpf's own calls are {@link Native}'s. Calls that can fail capture errno into a per-thread state segment
 * ({@link #errnoState}); they return -1 on failure.
 */
public final class Libc {

    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_NONBLOCK = 04000;
    public static final int SOCK_CLOEXEC = 02000000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_RCVBUF = 8;
    public static final int IPPROTO_IPV6 = 41;
    public static final int IPV6_V6ONLY = 26;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;

    public static final int EPOLL_CLOEXEC = 02000000;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int EPOLLIN = 0x1;
    public static final int EPOLLOUT = 0x4;
    public static final int EPOLLERR = 0x8;
    /** {@code struct epoll_event} is packed on x86_64: {@code uint32_t events; uint64_t data}. */
    public static final int EPOLL_EVENT_SIZE = 12;
    public static final int EFD_NONBLOCK = 04000;
    public static final int EFD_CLOEXEC = 02000000;

    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int EAFNOSUPPORT = 97;
    public static final int EMSGSIZE = 90;
    public static final int ENETUNREACH = 101;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTDOWN = 112;
    public static final int EHOSTUNREACH = 113;

    /** {@code int socket(int domain, int type, int protocol)} */
    public static final MethodHandle SOCKET = errnoCall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    /** {@code int setsockopt(int fd, int level, int name, const void *value, socklen_t len)} */
    public static final MethodHandle SETSOCKOPT = errnoCall("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    /** {@code int bind(int fd, const struct sockaddr *addr, socklen_t len)} */
    public static final MethodHandle BIND = errnoCall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    /** {@code int getsockname(int fd, struct sockaddr *addr, socklen_t *len)} */
    public static final MethodHandle GETSOCKNAME = errnoCall("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    /** {@code int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags, struct timespec *timeout)} */
    public static final MethodHandle RECVMMSG = errnoCall("recvmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    /** {@code int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)} */
    public static final MethodHandle SENDMMSG = errnoCall("sendmmsg", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    /** {@code int epoll_create1(int flags)} */
    public static final MethodHandle EPOLL_CREATE1 = errnoCall("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    /** {@code int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)} */
    public static final MethodHandle EPOLL_CTL = errnoCall("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    /** {@code int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)} */
    public static final MethodHandle EPOLL_WAIT = errnoCall("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    /** {@code int eventfd(unsigned int initval, int flags)} */
    public static final MethodHandle EVENTFD = errnoCall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /** {@code ssize_t read(int fd, void *buf, size_t count)}, without errno: only the eventfd's counter is read */
    public static final MethodHandle READ = call("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    /** {@code ssize_t write(int fd, const void *buf, size_t count)}, without errno: only the eventfd's counter is written */
    public static final MethodHandle WRITE = call("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    /** {@code char *strerror(int errnum)}: glibc's text for known values is static */
    public static final MethodHandle STRERROR = call("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Libc() {
    }

    private static MethodHandle call(String name, FunctionDescriptor fd) {
        return Native.libcCall(name, fd, false);
    }

    private static MethodHandle errnoCall(String name, FunctionDescriptor fd) {
        return Native.libcCall(name, fd, true);
    }

    /** A segment the errno-capturing calls write errno into; one per thread that makes calls. */
    public static MemorySegment errnoState(Arena arena) {
        return Native.captureState(arena);
    }

    public static int errno(MemorySegment state) {
        return Native.errno(state);
    }

    /** libc's text for an errno value. */
    public static String describe(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.equals(MemorySegment.NULL) ? "error " + errno : text.reinterpret(512).getString(0);
        } catch (Throwable t) {
            return "error " + errno;
        }
    }

    /** Closes a file descriptor; errors (only EINTR or EIO are possible for a socket) are ignored: the fd is gone. */
    public static void close(int fd) {
        Native.closeFd(fd);
    }

    public static RuntimeException rethrow(Throwable t) {
        return Native.rethrow(t);
    }
}
