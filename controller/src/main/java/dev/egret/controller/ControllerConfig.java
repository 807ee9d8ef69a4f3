package dev.egret.controller;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.util.Optional;

/** The controller's own settings ({@code egret.*}). */
@ConfigMapping(prefix = "egret")
public interface ControllerConfig {

    /** Where the embedded file store, change log and generated admin token live. */
    @WithDefault("egret-data")
    Path dataDir();

    /** Lines {@code <token> <role> <subject>}; env {@code EGRET_TOKENS_FILE}. Absent: a generated admin token. */
    Optional<Path> tokensFile();

    /** Largest request body accepted, in bytes. */
    @WithDefault("1048576")
    long maxBodyBytes();
}
