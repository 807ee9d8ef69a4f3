package dev.egret.controller.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.controller.ControllerConfig;
import dev.egret.controller.auth.Caller;
import dev.egret.controller.store.FileNodeRegistry;
import dev.egret.controller.store.NodeRegistration;
import dev.egret.controller.store.PolicyStore;
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
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.util.regex.Pattern;

/**
 * {@code /api/v1/nodes}: node agents register (and heartbeat) with {@code PUT /api/v1/nodes/{name}}
 * {@code {"version","appliedResourceVersion","ready"}}; the list shows each node's state: {@code ready} (heard from
 * within {@code egret.nodes.stale-after} and ready), {@code not-ready}, or {@code stale}. Fields a node sends beyond
 * these are ignored, so newer agents can talk to this controller.
 */
@Path("/api/v1/nodes")
public class NodesResource {
    private static final Pattern NODE_NAME = Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DIGITS = Pattern.compile("0|[1-9][0-9]{0,18}");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    FileNodeRegistry nodes;

    @Inject
    PolicyStore policies;

    @Inject
    ControllerConfig config;

    @PUT
    @Path("{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public ObjectNode register(@PathParam("name") String name, String body, @Context ContainerRequestContext ctx) {
        checkName(name);
        Caller caller = PolicyResource.caller(ctx);
        if (!caller.mayActAs(name)) {
            throw new ApiException(Problem.field(403, "Forbidden", "name",
                    "this token is bound to node " + caller.boundNode().orElseThrow() + ", not " + name));
        }
        JsonNode root = RequestBodies.jsonObject(body, config.maxBodyBytes());
        JsonNode version = root.get("version");
        if (version == null || !version.isTextual() || version.asText().isBlank() || version.asText().length() > 64) {
            throw ApiException.badField("version", "required: the agent's version, a string of 1 to 64 characters");
        }
        String applied = applied(root.get("appliedResourceVersion"));
        JsonNode ready = root.get("ready");
        if (ready == null || !ready.isBoolean()) {
            throw ApiException.badField("ready", "required: true or false");
        }
        NodeRegistration r = nodes.register(name, version.asText(), applied, ready.asBoolean(),
                caller.subject());
        return render(r, Instant.now());
    }

    private static String applied(JsonNode v) {
        if (v == null || v.isNull() || (v.isTextual() && v.asText().isEmpty())) {
            return null;
        }
        String s = v.isIntegralNumber() ? v.asText() : v.isTextual() ? v.asText() : null;
        if (s == null || !DIGITS.matcher(s).matches()) {
            throw ApiException.badField("appliedResourceVersion",
                    "a resource version (a non-negative integer, as a string), or null before the first sync");
        }
        return s;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public ObjectNode list() {
        Instant now = Instant.now();
        ObjectNode out = JSON.createObjectNode();
        out.putObject("metadata").put("resourceVersion", Long.toString(policies.resourceVersion()));
        ArrayNode items = out.putArray("items");
        nodes.list().forEach(r -> items.add(render(r, now)));
        return out;
    }

    @GET
    @Path("{name}")
    @Produces(MediaType.APPLICATION_JSON)
    public ObjectNode get(@PathParam("name") String name) {
        checkName(name);
        return render(nodes.get(name).orElseThrow(() -> notFound(name)), Instant.now());
    }

    @DELETE
    @Path("{name}")
    public Response delete(@PathParam("name") String name) {
        checkName(name);
        if (!nodes.remove(name)) {
            throw notFound(name);
        }
        return Response.noContent().build();
    }

    private ObjectNode render(NodeRegistration r, Instant now) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", r.name());
        n.put("version", r.version());
        n.put("lastSeen", r.lastSeen().toString());
        n.put("appliedResourceVersion", r.appliedResourceVersion());
        n.put("ready", r.ready());
        n.put("state", r.state(now, config.nodesStaleAfter()).wireName());
        return n;
    }

    private static void checkName(String name) {
        if (name.length() > 253 || !NODE_NAME.matcher(name).matches()) {
            throw ApiException.badField("name", "'" + name + "' is not a DNS-1123 subdomain (lower-case letters, "
                    + "digits, '-' and '.', at most 253 characters)");
        }
    }

    private static ApiException notFound(String name) {
        return new ApiException(Problem.field(404, "Not found", "name", "no node named '" + name + "'"));
    }
}
