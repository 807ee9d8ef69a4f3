package dev.egret.controller.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer tokens and their roles.
 *
 * <p>Tokens come from a file of lines {@code <token> <role> <subject>} ({@code #} starts a comment).
 * With no file, an admin token is generated on first start into {@code <data-dir>/admin.token} (mode 0600)
 * and reused afterwards. Tokens are compared in constant time.
 */
public final class TokenRegistry {
    private final Map<String, Caller> byToken = new ConcurrentHashMap<>();

    private TokenRegistry() {
    }

    /** Parses a tokens file; a malformed line fails with its line number. */
    public static TokenRegistry fromLines(List<String> lines, String source) {
        TokenRegistry r = new TokenRegistry();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length != 3) {
                throw new IllegalArgumentException(source + ":" + (i + 1)
                        + ": expected '<token> <role> <subject>', found " + parts.length + " fields");
            }
            if (parts[0].length() < 16) {
                throw new IllegalArgumentException(source + ":" + (i + 1) + ": token shorter than 16 characters");
            }
            Role role;
            try {
                role = Role.parse(parts[1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ":" + (i + 1) + ": " + e.getMessage());
            }
            r.byToken.put(parts[0], new Caller(parts[2], role));
        }
        return r;
    }

    public static TokenRegistry fromFile(Path file) {
        try {
            return fromLines(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokens file " + file, e);
        }
    }

    /**
     * Reads {@code <dataDir>/admin.token}, creating it with a fresh random admin token (mode 0600) when missing.
     *
     * @return the registry, and whether the token was created now
     */
    public static Generated generatedAdmin(Path dataDir) {
        Path file = dataDir.resolve("admin.token");
        try {
            boolean created = false;
            if (!Files.exists(file)) {
                Files.createDirectories(dataDir);
                byte[] raw = new byte[24];
                new SecureRandom().nextBytes(raw);
                String token = "egret_" + HexFormat.of().formatHex(raw);
                Path tmp = dataDir.resolve("admin.token.tmp");
                Files.deleteIfExists(tmp);
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(tmp, token + "\n", StandardOpenOption.WRITE);
                Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                created = true;
            }
            String token = Files.readString(file, StandardCharsets.UTF_8).strip();
            TokenRegistry r = new TokenRegistry();
            r.byToken.put(token, new Caller("admin", Role.ADMIN));
            return new Generated(r, file, created);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create admin token in " + file, e);
        }
    }

    public record Generated(TokenRegistry registry, Path file, boolean created) {
    }

    /** The caller a token belongs to, compared in constant time against every known token. */
    public Optional<Caller> authenticate(String token) {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        byte[] given = token.getBytes(StandardCharsets.UTF_8);
        Caller found = null;
        for (Map.Entry<String, Caller> e : byToken.entrySet()) {
            if (MessageDigest.isEqual(given, e.getKey().getBytes(StandardCharsets.UTF_8))) {
                found = e.getValue();
            }
        }
        return Optional.ofNullable(found);
    }

    public int size() {
        return byToken.size();
    }
}
