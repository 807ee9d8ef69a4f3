package dev.egret.node.dns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The name of a process, as the kernel keeps it ({@code /proc/<pid>/comm}): one small procfs read. */
final class ProcessNames {
    private static final Path PROC = Path.of("/proc");

    private ProcessNames() {
    }

    /** The process's name, or null when it is gone or unknown. */
    static String comm(int pid) {
        if (pid <= 0) {
            return null;
        }
        try {
            byte[] b = Files.readAllBytes(PROC.resolve(Integer.toString(pid)).resolve("comm"));
            int end = b.length;
            while (end > 0 && (b[end - 1] == '\n' || b[end - 1] == 0)) {
                end--;
            }
            return new String(b, 0, end, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
