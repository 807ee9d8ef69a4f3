package dev.egret.controller;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.egret.controller.store.AuditRetention;

import java.nio.file.Path;
import java.time.Duration;
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

    /** Where policies live: {@code file} (the data directory) or {@code kubernetes} (EgressPolicy resources). */
    @ConfigProperty(name = "egret.store", defaultValue = "file")
    String store;

    /** Largest request body accepted, in bytes. */
    @ConfigProperty(name = "egret.max-body-bytes", defaultValue = "1048576")
    long maxBodyBytes;

    /** How node agents deliver audit events: {@code http} (POST /api/v1/events only) or {@code kafka} (also). */
    @ConfigProperty(name = "egret.events.transport", defaultValue = "http")
    String eventsTransport;

    /** Most events one POST /api/v1/events may carry. */
    @ConfigProperty(name = "egret.events.max-batch-events", defaultValue = "5000")
    int maxBatchEvents;

    /** Audit retention: about this many events at most. */
    @ConfigProperty(name = "egret.audit.max-events", defaultValue = "500000")
    long auditMaxEvents;

    /** Audit retention: nothing older. */
    @ConfigProperty(name = "egret.audit.max-age", defaultValue = "720h")
    Duration auditMaxAge;

    /** Events per audit segment file (the unit of retention). */
    @ConfigProperty(name = "egret.audit.segment-events", defaultValue = "10000")
    int auditSegmentEvents;

    /** A node not heard from for this long is stale. */
    @ConfigProperty(name = "egret.nodes.stale-after", defaultValue = "30s")
    Duration nodesStaleAfter;

    public Path dataDir() {
        return dataDir;
    }

    public Optional<Path> tokensFile() {
        return tokensFile;
    }

    /** {@code file} or {@code kubernetes}; anything else stops the start-up. */
    public String store() {
        if (!store.equals("file") && !store.equals("kubernetes")) {
            throw new IllegalArgumentException("egret.store: 'file' or 'kubernetes', not '" + store + "'");
        }
        return store;
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /** {@code http} or {@code kafka}; anything else stops the start-up. */
    public String eventsTransport() {
        return EventsTransport.check(eventsTransport);
    }

    public int maxBatchEvents() {
        return maxBatchEvents;
    }

    public AuditRetention auditRetention() {
        return new AuditRetention(auditMaxEvents, auditMaxAge, auditSegmentEvents);
    }

    public Duration nodesStaleAfter() {
        if (nodesStaleAfter.isNegative() || nodesStaleAfter.isZero()) {
            throw new IllegalArgumentException("egret.nodes.stale-after must be positive, not " + nodesStaleAfter);
        }
        return nodesStaleAfter;
    }
}
