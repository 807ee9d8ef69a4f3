package dev.egret.node.sync;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The last policy set a node received from the controller, kept on disk (temporary file, fsync, rename, fsync of
 * the directory), so that a node started while the controller is unreachable enforces it at once.
 */
public final class PolicyCache {
    private final Path file;

    public PolicyCache(Path file) {
        this.file = file;
    }

    /** The cached set, or empty when there is none; a corrupt cache is an error, never an empty set. */
    public Optional<PolicySet> load() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(PolicySet.parse(Files.readString(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the policy cache " + file, e);
        }
    }

    public void save(PolicySet set) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(set.toJson().getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) {
                    c.write(b);
                }
                c.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the policy cache " + file, e);
        }
    }
}
