package dev.egret.controller.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.egret.controller.store.PreconditionFailedException;
import dev.egret.controller.store.StoreWriteException;
import dev.egret.policy.PolicyValidationException;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure into a problem+json response; nothing reaches the client as a bare 500 page. */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return e.response();
    }

    @ServerExceptionMapper
    public Response invalid(PolicyValidationException e) {
        return Problem.invalid(e.violations());
    }

    @ServerExceptionMapper
    public Response precondition(PreconditionFailedException e) {
        return Problem.field(412, "Precondition failed", "If-Match", e.getMessage());
    }

    @ServerExceptionMapper
    public Response storeWrite(StoreWriteException e) {
        LOG.error(e.getMessage(), e);
        return Problem.of(500, "Internal error", e.applied()
                ? "the change was applied but the store could not confirm it durable; read it back before retrying"
                : "the store could not write the change; nothing was applied");
    }

    @ServerExceptionMapper
    public Response unsupported(NotSupportedException e) {
        return Problem.field(415, "Unsupported media type", "Content-Type",
                "send application/json or application/yaml");
    }

    @ServerExceptionMapper
    public Response notAcceptable(NotAcceptableException e) {
        return Problem.field(406, "Not acceptable", "Accept", "this resource offers application/json or application/yaml");
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return Problem.of(404, "Not found", "no such resource");
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e) {
        return Problem.of(405, "Method not allowed", "allowed: " + e.getResponse().getAllowedMethods());
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        return Problem.field(400, "Invalid request", "body", "malformed JSON: " + e.getOriginalMessage());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        return Problem.of(status, Response.Status.fromStatusCode(status) == null ? "Error"
                : Response.Status.fromStatusCode(status).getReasonPhrase(), String.valueOf(e.getMessage()));
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        LOG.error("unexpected failure", e);
        return Problem.of(500, "Internal error", "the request failed unexpectedly; nothing was applied");
    }
}
