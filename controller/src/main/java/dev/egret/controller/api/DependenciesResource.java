package dev.egret.controller.api;

import dev.egret.controller.JacksonTrees;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.audit.AuditJson;
import dev.egret.controller.events.DependencyService;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code GET /api/v1/dependencies[?workload=W]}: per workload, every destination seen, with counts, first and last
 * seen, verdicts and flags ({@code circular}, {@code unlisted}).
 */
@Path("/api/v1/dependencies")
public class DependenciesResource {

    @Inject
    DependencyService dependencies;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public ObjectNode get(@QueryParam("workload") String workload) {
        if (workload != null && workload.isBlank()) {
            throw ApiException.badField("workload", "must not be empty");
        }
        return JacksonTrees.object(AuditJson.dependencies(dependencies.view(workload)));
    }
}
