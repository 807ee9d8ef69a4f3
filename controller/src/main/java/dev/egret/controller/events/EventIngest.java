package dev.egret.controller.events;

import dev.egret.audit.AuditEvent;
import dev.egret.controller.store.AuditStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The HTTP transport's entry: emits a checked batch into the in-memory {@value AuditSink#HTTP_CHANNEL} channel and
 * completes when the store has acknowledged it (durably written), or fails when it could not.
 */
@ApplicationScoped
public class EventIngest {

    @Inject
    @Channel(AuditSink.HTTP_CHANNEL)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 256)
    Emitter<IngestBatch> emitter;

    public CompletionStage<AuditStore.AppendResult> submit(List<AuditEvent> events) {
        IngestBatch batch = new IngestBatch(events);
        try {
            return emitter.send(batch).thenApply(v -> batch.result());
        } catch (RuntimeException e) { // buffer full, or the channel is gone
            return CompletableFuture.failedFuture(e);
        }
    }
}
