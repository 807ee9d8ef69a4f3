package dev.egret.controller.store;

import dev.egret.audit.AuditEvent;
import dev.egret.audit.AuditFilter;

import java.time.Instant;
import java.util.List;

/**
 * Durable home of the audit stream.
 *
 * <p>An append is durable when it returns: an acknowledged event survives a crash. Events are deduplicated by id (a
 * node re-sends a batch whose answer it lost). A batch applies completely or not at all. Retention is bounded;
 * pruned events are counted. Implementations are thread-safe.
 */
public interface AuditStore {

    /** What an append did. */
    record AppendResult(int accepted, int duplicates, List<AuditEvent> acceptedEvents) {
    }

    /** A page of events, newest first, and where the next page starts (null when this is the last). */
    record Page(List<AuditEvent> items, AuditCursor next) {
    }

    /** Told of every change, in order, while the store holds its lock: keep it short and never call back. */
    interface Listener {
        void appended(List<AuditEvent> events);

        /** After a prune (and on subscribing): the events the store now holds, in arrival order. */
        void replaced(List<AuditEvent> all);
    }

    /** Appends the events whose ids are new; durable (fsynced) before it returns. */
    AppendResult append(List<AuditEvent> events);

    /**
     * Events matching the filter, newest first (by event time, then arrival).
     *
     * @param after  the cursor of the last event of the previous page, or null to start at the newest
     * @param skip   matching events to skip first (page/size paging)
     */
    Page query(AuditFilter filter, AuditCursor after, long skip, int limit);

    /** Every retained event in arrival order. */
    List<AuditEvent> all();

    long size();

    /** Events removed by retention since the store was opened. */
    long prunedTotal();

    /** Applies the retention bounds now (also done after appends). */
    void prune(Instant now);

    /** Calls {@link Listener#replaced} with the current events, then tells the listener of every change. */
    void subscribe(Listener listener);
}
