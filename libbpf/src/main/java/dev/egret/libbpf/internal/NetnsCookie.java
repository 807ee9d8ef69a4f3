package dev.egret.libbpf.internal;

import dev.egret.libbpf.BpfException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The cookie of the caller's network namespace: {@code getsockopt(SO_NETNS_COOKIE)} on a throwaway socket. */
public final class NetnsCookie {
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_NETNS_COOKIE = 71;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SOCKET = LINKER.downcallHandle(LINKER.defaultLookup().find("socket").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.captureCallState("errno"));
    private static final MethodHandle GETSOCKOPT = LINKER.downcallHandle(LINKER.defaultLookup().find("getsockopt").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Linker.Option.captureCallState("errno"));

    private NetnsCookie() {
    }

    public static long current() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Native.captureState(a);
            int fd = (int) SOCKET.invokeExact(state, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new BpfException("socket(AF_INET, SOCK_DGRAM)", Native.errno(state));
            }
            try {
                MemorySegment value = a.allocate(JAVA_LONG);
                MemorySegment len = a.allocate(JAVA_INT);
                len.set(JAVA_INT, 0, 8);
                int rc = (int) GETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_NETNS_COOKIE, value, len);
                if (rc < 0) {
                    throw new BpfException("getsockopt(SO_NETNS_COOKIE)", Native.errno(state));
                }
                return value.get(JAVA_LONG, 0);
            } finally {
                Native.closeFd(fd);
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
