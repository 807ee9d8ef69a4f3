package dev.egret.controller.events;

import dev.egret.audit.AuditEvent;
import dev.egret.controller.store.AuditStore;

import java.util.List;

/** A checked batch travelling from the REST ingest to the store over the in-memory channel, and what became of it. */
public final class IngestBatch {
    private final List<AuditEvent> events;
    private volatile AuditStore.AppendResult result;

    public IngestBatch(List<AuditEvent> events) {
        this.events = List.copyOf(events);
    }

    public List<AuditEvent> events() {
        return events;
    }

    public AuditStore.AppendResult result() {
        return result;
    }

    void result(AuditStore.AppendResult r) {
        this.result = r;
    }
}
