package dev.egret.controller;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.file.Path;
import java.util.Optional;

/** The controller's own settings ({@code egret.*}). */
@ApplicationScoped
public class ControllerConfig {

    /** Where the embedded file store, change log and generated admin token live. */
    @ConfigProperty(name = "egret.data-dir", defaultValue = "egret-data")
    Path dataDir;

    /** Lines {@code <token> <role> <subject>}; env {@code EGRET_TOKENS_FILE}. Absent: a generated admin token. */
    @ConfigProperty(name = "egret.tokens-file")
    Optional<Path> tokensFile;

    /** Largest request body accepted, in bytes. */
    @ConfigProperty(name = "egret.max-body-bytes", defaultValue = "1048576")
    long maxBodyBytes;

    public Path dataDir() {
        return dataDir;
    }

    public Optional<Path> tokensFile() {
        return tokensFile;
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }
}
