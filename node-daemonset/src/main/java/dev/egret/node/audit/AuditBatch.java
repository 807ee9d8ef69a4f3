package dev.egret.node.audit;

import dev.egret.audit.AuditEvent;

import java.util.List;

/** Audit events that became ready together: the unit carried by the node's audit channel. */
public record AuditBatch(List<AuditEvent> events) {
    public AuditBatch {
        events = List.copyOf(events);
    }
}
