package dev.egret.node.audit;

import dev.egret.audit.AuditEvent;
import dev.egret.node.sync.ControllerClient;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;

/** Delivers events to the controller's {@code POST /api/v1/events}, which answers once they are durable. */
public final class HttpAuditTransport implements AuditTransport {
    private final ControllerClient client;

    public HttpAuditTransport(ControllerClient client) {
        this.client = client;
    }

    @Override
    public void deliver(List<AuditEvent> batch) throws IOException {
        try {
            client.postEvents(batch);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while delivering events");
        }
    }
}
