package dev.egret.controller.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.controller.ControllerConfig;
import dev.egret.controller.auth.AuthFilter;
import dev.egret.controller.auth.Caller;
import dev.egret.controller.store.PolicyStore;
import dev.egret.controller.store.Precondition;
import dev.egret.controller.store.WriteResult;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.regex.Pattern;

/** {@code /api/v1/policies}: create, replace, read and delete egress policies. */
@Path("/api/v1/policies")
public class PolicyResource {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    PolicyStore store;

    @Inject
    ControllerConfig config;

    @GET
    @Produces({MediaType.APPLICATION_JSON, MediaTypes.YAML})
    public Response list(@Context HttpHeaders headers) {
        ObjectNode list = JSON.createObjectNode();
        list.put("apiVersion", "egret.dev/v1");
        list.put("kind", "EgressPolicyList");
        list.putObject("metadata").put("resourceVersion", Long.toString(store.resourceVersion()));
        ArrayNode items = list.putArray("items");
        store.list().forEach(p -> items.add(PolicyCodec.toTree(p)));
        return render(list, headers);
    }

    @GET
    @Path("{name}")
    @Produces({MediaType.APPLICATION_JSON, MediaTypes.YAML})
    public Response get(@PathParam("name") String name, @Context HttpHeaders headers) {
        checkName(name);
        EgressPolicy p = store.get(name).orElseThrow(() -> notFound(name));
        return Response.fromResponse(render(PolicyCodec.toTree(p), headers))
                .tag(etag(p.metadata().resourceVersion())).build();
    }

    @PUT
    @Path("{name}")
    @Consumes({MediaType.APPLICATION_JSON, MediaTypes.YAML, MediaTypes.X_YAML, MediaTypes.TEXT_YAML})
    @Produces({MediaType.APPLICATION_JSON, MediaTypes.YAML})
    public Response put(@PathParam("name") String name, String body, @Context HttpHeaders headers,
                        @Context ContainerRequestContext ctx) {
        checkName(name);
        RequestBodies.check(body, config.maxBodyBytes());
        EgressPolicy policy = MediaTypes.isYaml(headers.getMediaType())
                ? PolicyCodec.parseYaml(body) : PolicyCodec.parseJson(body);
        if (!name.equals(policy.name())) {
            throw ApiException.badField("metadata.name",
                    "'" + policy.name() + "' does not match the name in the path '" + name + "'");
        }
        Precondition pre = Preconditions.fromIfMatch(headers.getHeaderString(HttpHeaders.IF_MATCH));
        String bodyVersion = policy.metadata().resourceVersion();
        if (pre == null && bodyVersion != null && !bodyVersion.isEmpty()) {
            pre = Preconditions.fromBodyVersion(bodyVersion);
        }
        WriteResult r = store.put(policy.withResourceVersion(null), pre, caller(ctx).subject());
        return Response.status(r.created() ? 201 : 200)
                .entity(text(PolicyCodec.toTree(r.policy()), headers))
                .type(MediaTypes.wantsYaml(headers) ? MediaTypes.YAML : MediaType.APPLICATION_JSON)
                .tag(etag(Long.toString(r.newVersion())))
                .build();
    }

    @DELETE
    @Path("{name}")
    public Response delete(@PathParam("name") String name, @Context HttpHeaders headers,
                           @Context ContainerRequestContext ctx) {
        checkName(name);
        Precondition pre = Preconditions.fromIfMatch(headers.getHeaderString(HttpHeaders.IF_MATCH));
        WriteResult r = store.delete(name, pre, caller(ctx).subject()).orElseThrow(() -> notFound(name));
        return Response.noContent().tag(etag(Long.toString(r.newVersion()))).build();
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
