package dev.egret.controller.api;

import dev.egret.controller.JacksonTrees;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.audit.AuditJson;
import dev.egret.audit.PolicyReplay;
import dev.egret.audit.PolicySuggester;
import dev.egret.controller.ControllerConfig;
import dev.egret.controller.auth.AuthFilter;
import dev.egret.controller.auth.Caller;
import dev.egret.controller.store.AuditStore;
import dev.egret.controller.store.PolicyStore;
import dev.egret.controller.store.PolicyWatch;
import dev.egret.controller.store.Precondition;
import dev.egret.controller.store.PreconditionFailedException;
import dev.egret.controller.store.WriteResult;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * {@code /api/v1/policies}: create, replace, read, watch and delete egress policies; suggest an allow list from the
 * audit stream; replay a proposal against it.
 */
@Path("/api/v1/policies")
public class PolicyResource {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long MAX_WATCH_SECONDS = 300;

    @Inject
    PolicyStore store;

    @Inject
    ControllerConfig config;

    @Inject
    PolicyWatch policyWatch;

    @Inject
    AuditStore audit;

    /**
     * The policies with the store's {@code resourceVersion}, {@code changedAt} (time of the latest write) and
     * {@code serverTime} (when the answer was made, by the controller's clock). With
     * {@code watch=true}, a long poll: answers at once when the store is past {@code resourceVersion}, else at the
     * next write, else after {@code timeoutSeconds} (default 30, at most 300), holding no thread while it waits.
     */
    @GET
    @Blocking
    @Produces({MediaType.APPLICATION_JSON, MediaTypes.YAML})
    public CompletionStage<Response> list(@QueryParam("watch") String watch,
                                          @QueryParam("resourceVersion") String resourceVersion,
                                          @QueryParam("timeoutSeconds") String timeoutSeconds,
                                          @Context HttpHeaders headers) {
        boolean watching = QueryParams.bool("watch", watch);
        long known = QueryParams.integer("resourceVersion", resourceVersion, 0, 0, Long.MAX_VALUE);
        long timeout = QueryParams.integer("timeoutSeconds", timeoutSeconds, 30, 0, MAX_WATCH_SECONDS);
        if (!watching) {
            return CompletableFuture.completedFuture(render(policyList(), headers));
        }
        return policyWatch.after(known, Duration.ofSeconds(timeout), store::resourceVersion)
                .thenApply(v -> render(policyList(), headers));
    }

    private ObjectNode policyList() {
        ObjectNode list = JSON.createObjectNode();
        list.put("apiVersion", "egret.dev/v1");
        list.put("kind", "EgressPolicyList");
        ObjectNode meta = list.putObject("metadata");
        meta.put("resourceVersion", Long.toString(store.resourceVersion())); // before the items: never newer than them
        store.lastChange().ifPresent(c -> meta.put("changedAt", c.time().toString()));
        meta.put("serverTime", Instant.now().toString()); // lets a node measure sync lag without trusting its own clock
        ArrayNode items = list.putArray("items");
        store.list().forEach(p -> items.add(JacksonTrees.policy(p)));
        return list;
    }

    /**
     * An allow list built from what the policy's workloads were seen to need, keeping its workloads, deny rules,
     * protects, limits and DNS settings; ready to PUT (it carries the policy's resourceVersion, so the PUT is
     * conditional).
     */
    @GET
    @Path("{name}/suggestion")
    @Produces({MediaType.APPLICATION_JSON, MediaTypes.YAML})
    public Response suggestion(@PathParam("name") String name, @Context HttpHeaders headers) {
        checkName(name);
        EgressPolicy p = store.get(name).orElseThrow(() -> notFound(name));
        return render(JacksonTrees.policy(PolicySuggester.suggest(p, audit.all())), headers);
    }

    /** What a proposed policy (the body) would have denied of the recorded calls of this policy's workloads. */
    @POST
    @Path("{name}/replay")
    @Consumes({MediaType.APPLICATION_JSON, MediaTypes.YAML, MediaTypes.X_YAML, MediaTypes.TEXT_YAML})
    @Produces(MediaType.APPLICATION_JSON)
    public ObjectNode replay(@PathParam("name") String name, String body, @Context HttpHeaders headers) {
        checkName(name);
        EgressPolicy proposal = RequestBodies.policy(body, headers.getMediaType(), config.maxBodyBytes());
        store.get(name).orElseThrow(() -> notFound(name));
        return JacksonTrees.object(AuditJson.replay(PolicyReplay.replay(proposal, name, audit.all())));
    }

    @GET
    @Path("{name}")
    @Produces({MediaType.APPLICATION_JSON, MediaTypes.YAML})
    public Response get(@PathParam("name") String name, @Context HttpHeaders headers) {
        checkName(name);
        EgressPolicy p = store.get(name).orElseThrow(() -> notFound(name));
        return Response.fromResponse(render(JacksonTrees.policy(p), headers))
                .tag(etag(p.metadata().resourceVersion())).build();
    }

    @PUT
    @Path("{name}")
    @Consumes({MediaType.APPLICATION_JSON, MediaTypes.YAML, MediaTypes.X_YAML, MediaTypes.TEXT_YAML})
    @Produces({MediaType.APPLICATION_JSON, MediaTypes.YAML})
    public Response put(@PathParam("name") String name, String body, @Context HttpHeaders headers,
                        @Context ContainerRequestContext ctx) {
        checkName(name);
        EgressPolicy policy = RequestBodies.policy(body, headers.getMediaType(), config.maxBodyBytes());
        if (!name.equals(policy.name())) {
            throw ApiException.badField("metadata.name",
                    "'" + policy.name() + "' does not match the name in the path '" + name + "'");
        }
        Preconditions.Condition condition = Preconditions.forPut(headers.getHeaderString(HttpHeaders.IF_MATCH),
                headers.getHeaderString(HttpHeaders.IF_NONE_MATCH), policy.metadata().resourceVersion());
        String subject = caller(ctx).subject();
        WriteResult r = conditionally(name, condition, pre -> store.put(policy.withResourceVersion(null), pre, subject));
        return Response.status(r.created() ? 201 : 200)
                .entity(text(JacksonTrees.policy(r.policy()), headers))
                .type(MediaTypes.wantsYaml(headers) ? MediaTypes.YAML : MediaType.APPLICATION_JSON)
                .tag(etag(Long.toString(r.newVersion())))
                .build();
    }

    @DELETE
    @Path("{name}")
    public Response delete(@PathParam("name") String name, @Context HttpHeaders headers,
                           @Context ContainerRequestContext ctx) {
        checkName(name);
        Preconditions.Condition condition = Preconditions.forDelete(headers.getHeaderString(HttpHeaders.IF_MATCH),
                headers.getHeaderString(HttpHeaders.IF_NONE_MATCH));
        String subject = caller(ctx).subject();
        WriteResult r = conditionally(name, condition, pre -> store.delete(name, pre, subject))
                .orElseThrow(() -> notFound(name));
        return Response.noContent().tag(etag(Long.toString(r.newVersion()))).build();
    }

    /**
     * Runs a store write under the request's condition; a condition that does not hold is a 412 naming the header or
     * field that asked for it. For an {@code If-Match} list the store is asked for the one listed version the policy
     * is at (it checks that atomically); when the policy moved on in between to another listed version, again.
     */
    private <T> T conditionally(String name, Preconditions.Condition condition, Function<Precondition, T> write) {
        if (condition == null) {
            return write.apply(null);
        }
        if (condition.anyOf() == null) {
            try {
                return write.apply(condition.single());
            } catch (PreconditionFailedException e) {
                throw preconditionFailed(condition.field(), e.getMessage());
            }
        }
        long current = store.get(name).map(PolicyResource::versionOf).orElse(0L);
        if (condition.anyOf().isEmpty()) {
            throw preconditionFailed(condition.field(), "no policy is at resourceVersion 0, so this If-Match never holds"
                    + " (policy '" + name + "' is at " + current + (current == 0 ? ", it does not exist" : "")
                    + "; to create a policy only if it does not exist, send If-None-Match: *)");
        }
        for (int attempt = 0; ; attempt++) {
            if (!condition.anyOf().contains(current) || attempt >= 5) {
                throw preconditionFailed(condition.field(), "policy '" + name + "' is at resourceVersion " + current
                        + (current == 0 ? " (does not exist)" : "") + ", the request required one of "
                        + condition.anyOf());
            }
            try {
                return write.apply(Precondition.version(current));
            } catch (PreconditionFailedException e) {
                current = e.currentVersion();
            }
        }
    }

    private static long versionOf(EgressPolicy p) {
        String v = p.metadata().resourceVersion();
        return v == null || v.isEmpty() ? 0 : Long.parseLong(v);
    }

    private static ApiException preconditionFailed(String field, String message) {
        return new ApiException(Problem.field(412, "Precondition failed", field, message));
    }

    static Caller caller(ContainerRequestContext ctx) {
        return (Caller) ctx.getProperty(AuthFilter.CALLER);
    }

    static void checkName(String name) {
        if (name.length() > 63 || !DNS_LABEL.matcher(name).matches()) {
            throw ApiException.badField("name", "'" + name
                    + "' is not a DNS-1123 label (lower-case letters, digits and '-', at most 63, alphanumeric at both ends)");
        }
    }

    static ApiException notFound(String name) {
        return new ApiException(Problem.field(404, "Not found", "name", "no policy named '" + name + "'"));
    }

    private static EntityTag etag(String version) {
        return new EntityTag(version);
    }

    private static Response render(com.fasterxml.jackson.databind.JsonNode tree, HttpHeaders headers) {
        boolean yaml = MediaTypes.wantsYaml(headers);
        return Response.ok(text(tree, headers)).type(yaml ? MediaTypes.YAML : MediaType.APPLICATION_JSON).build();
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode tree, HttpHeaders headers) {
        return MediaTypes.wantsYaml(headers) ? Yaml.write(tree) : tree.toString();
    }
}
