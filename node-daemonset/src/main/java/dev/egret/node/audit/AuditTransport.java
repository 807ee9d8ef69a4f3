package dev.egret.node.audit;

import dev.egret.audit.AuditEvent;

import java.io.IOException;
import java.util.List;

/** Where the node delivers its journal: the controller over HTTP, or Kafka. */
public interface AuditTransport extends AutoCloseable {
    /** Delivers a batch, oldest first; returns only when the receiver holds it durably, else throws. */
    void deliver(List<AuditEvent> batch) throws IOException;

    @Override
    default void close() {
    }
}
