package dev.egret.controller.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.audit.AuditEvent;
import dev.egret.audit.AuditEventChecks;
import dev.egret.audit.AuditEventCodec;
import dev.egret.controller.ControllerConfig;
import dev.egret.controller.auth.Caller;
import dev.egret.controller.events.AuditSink;
import dev.egret.controller.events.EventIngest;
import dev.egret.controller.events.EventTimes;
import dev.egret.policy.Violation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * {@code POST /api/v1/events}: a node's batch of audit events (a JSON array, at most 1 MiB and
 * {@code egret.events.max-batch-events} events). Answers {@code {"accepted":N,"duplicates":M}} once the batch is
 * durable; a bad batch is refused whole with every problem named ({@code [3].verdict}). An event whose {@code time}
 * is more than an hour ahead of the controller's clock is a problem; old events are fine (late journals).
 */
@Path("/api/v1/events")
public class EventsResource {
    private static final Logger LOG = Logger.getLogger(EventsResource.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    EventIngest ingest;

    @Inject
    ControllerConfig config;

    @Inject
    MeterRegistry registry;

    @POST
    @Blocking
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public CompletionStage<Response> post(String body, @Context ContainerRequestContext ctx) {
        RequestBodies.check(body, config.maxBodyBytes());
        List<AuditEvent> events;
        try {
            events = AuditEventCodec.fromJsonArray(body);
        } catch (IllegalArgumentException e) {
            rejected().increment();
            throw problem(e.getMessage());
        }
        if (events.size() > config.maxBatchEvents()) {
            throw new ApiException(Problem.field(413, "Payload too large", "body",
                    events.size() + " events, more than " + config.maxBatchEvents() + " in one batch"));
        }
        List<Violation> violations = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < events.size(); i++) {
            for (String p : AuditEventChecks.problems(events.get(i))) {
                violations.add(violation("[" + i + "]." + p));
            }
            int at = i;
            EventTimes.problem(events.get(i), now).ifPresent(p -> violations.add(violation("[" + at + "]." + p)));
        }
        if (!violations.isEmpty()) {
            rejected().increment(events.size());
            throw new ApiException(Problem.invalid(violations));
        }
        Caller caller = PolicyResource.caller(ctx);
        for (int i = 0; i < events.size(); i++) {
            if (!caller.mayActAs(events.get(i).node())) { // nothing of the batch is stored
                rejected().increment(events.size());
                throw new ApiException(Problem.field(403, "Forbidden", "[" + i + "].node", "this token is bound to node "
                        + caller.boundNode().orElseThrow() + ", not " + events.get(i).node()));
            }
        }
        return ingest.submit(events).handle((r, failure) -> {
            if (failure != null) {
                LOG.errorf("audit batch of %d events not stored: %s", events.size(), failure.getMessage());
                return Problem.of(503, "Service unavailable",
                        "the audit store could not take the batch; nothing was acknowledged, send it again");
            }
            ObjectNode out = JSON.createObjectNode();
            out.put("accepted", r.accepted());
            out.put("duplicates", r.duplicates());
            return Response.ok(out.toString(), MediaType.APPLICATION_JSON).build();
        });
    }

    private Counter rejected() {
        return AuditSink.rejected(registry, "http");
    }

    /** {@code [3].verdict: message} or {@code not JSON: ...} as a 400 naming the field. */
    private static ApiException problem(String message) {
        return new ApiException(Problem.invalid(List.of(violation(message))));
    }

    private static Violation violation(String message) {
        int colon = message.indexOf(": ");
        if (message.startsWith("[") && colon > 0) {
            return new Violation(message.substring(0, colon), message.substring(colon + 2));
        }
        if (message.startsWith("[") && message.indexOf("].") > 0) {
            int end = message.indexOf("].") + 1;
            return new Violation(message.substring(0, end), message.substring(end + 1));
        }
        return new Violation("body", message);
    }
}
