package dev.egret.controller.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** File writes that survive a crash once they return. */
final class DurableFiles {
    private DurableFiles() {
    }

    /**
     * The rename of {@link #replace} happened (the target holds the new bytes) but the directory fsync after it failed,
     * so the replacement may not survive a crash. Any other failure of {@code replace} leaves the target untouched.
     */
    static final class NotDurableException extends IOException {
        NotDurableException(Path target, IOException cause) {
            super("replaced " + target + " but could not fsync its directory: " + cause.getMessage(), cause);
        }
    }

    /**
     * Replaces {@code target} atomically: a temporary file beside it, fsync, rename, fsync of the directory. Throws
     * {@link NotDurableException} when only the last step failed; any other failure leaves {@code target} as it was.
     */
    static void replace(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try {
            fsyncDirectory(target.getParent());
        } catch (IOException e) {
            throw new NotDurableException(target, e);
        }
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
