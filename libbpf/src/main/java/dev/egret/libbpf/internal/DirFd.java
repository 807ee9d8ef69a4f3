package dev.egret.libbpf.internal;

import dev.egret.libbpf.BpfException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** {@code open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)} through libc. */
public final class DirFd {
    private static final int O_RDONLY = 0;
    private static final int O_DIRECTORY = 0x10000;
    private static final int O_CLOEXEC = 0x80000;
    private static final MethodHandle OPEN = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.captureCallState("errno"));

    private DirFd() {
    }

    public static int open(Path dir) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Native.captureState(a);
            int fd = (int) OPEN.invokeExact(state, a.allocateFrom(dir.toString()), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fd < 0) {
                throw new BpfException("open(" + dir + ")", Native.errno(state));
            }
            return fd;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
