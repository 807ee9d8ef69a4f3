package dev.egret.controller.api;

import dev.egret.controller.JacksonTrees;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.controller.ControllerConfig;
import dev.egret.controller.store.PolicyStore;
import dev.egret.policy.Cidr;
import dev.egret.policy.Decision;
import dev.egret.policy.Destination;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import dev.egret.policy.PolicyDecider;
import dev.egret.policy.Protocol;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Set;

/**
 * {@code POST /api/v1/decisions}: what would a policy decide for a destination?
 *
 * <p>Body: {@code {"policy": "<name>" | {inline policy}, "destination": {"name", "ip", "port", "protocol"}}}.
 */
@Path("/api/v1/decisions")
public class DecisionResource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TOP = Set.of("policy", "destination");
    private static final Set<String> DEST = Set.of("name", "ip", "port", "protocol");

    @Inject
    PolicyStore store;

    @Inject
    ControllerConfig config;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public ObjectNode decide(String body) {
        JsonNode root = RequestBodies.jsonObject(body, config.maxBodyBytes());
        rejectUnknown(root, TOP, "");
        EgressPolicy policy = policy(root.get("policy"));
        Destination dest = destination(root.get("destination"));
        Decision d = PolicyDecider.decide(policy, dest);
        ObjectNode out = JSON.createObjectNode();
        out.put("verdict", d.verdict().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        out.put("reason", d.reason());
        out.put("rule", d.rule());
        out.put("policy", policy.name());
        if (policy.metadata().resourceVersion() != null) {
            out.put("resourceVersion", policy.metadata().resourceVersion());
        }
        return out;
    }

    private EgressPolicy policy(JsonNode node) {
        if (node == null || node.isNull()) {
            throw ApiException.badField("policy", "required: a policy name or an inline policy");
        }
        if (node.isTextual()) {
            String name = node.asText();
            PolicyResource.checkName(name);
            return store.get(name).orElseThrow(() -> new ApiException(
                    Problem.field(404, "Not found", "policy", "no policy named '" + name + "'")));
        }
        if (node.isObject()) {
            return PolicyCodec.fromTree(JacksonTrees.value(node, "policy"), "policy.");
        }
        throw ApiException.badField("policy", "expected a policy name (string) or an inline policy (object)");
    }

    private static Destination destination(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw ApiException.badField("destination", "required: an object with name and/or ip, port and protocol");
        }
        rejectUnknown(node, DEST, "destination.");
        String name = text(node, "name");
        String ipText = text(node, "ip");
        if (name == null && ipText == null) {
            throw ApiException.badField("destination", "give a name, an ip or both");
        }
        InetAddress ip = null;
        if (ipText != null) {
            try {
                ip = Cidr.parseAddress(ipText);
            } catch (IllegalArgumentException e) {
                throw ApiException.badField("destination.ip", e.getMessage());
            }
        }
        if (name != null) {
            try {
                name = dev.egret.policy.DnsNames.normalize(name);
                dev.egret.policy.DnsNames.validate(name);
            } catch (RuntimeException e) {
                throw ApiException.badField("destination.name", e.getMessage());
            }
        }
        JsonNode port = node.get("port");
        if (port == null || !port.canConvertToInt() || !port.isIntegralNumber()) {
            throw ApiException.badField("destination.port", "required: an integer from 1 to 65535");
        }
        int p = port.asInt();
        if (p < 1 || p > 65535) {
            throw ApiException.badField("destination.port", p + " is out of range 1-65535");
        }
        Protocol proto = Protocol.TCP;
        String protoText = text(node, "protocol");
        if (protoText != null) {
            try {
                proto = Protocol.valueOf(protoText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiException.badField("destination.protocol", "'" + protoText + "' is not TCP, UDP or ANY");
            }
        }
        return new Destination(name, ip, p, proto);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ApiException.badField("destination." + field, "expected a string");
        }
        return v.asText();
    }

    private static void rejectUnknown(JsonNode node, Set<String> known, String prefix) {
        node.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                throw ApiException.badField(prefix + f, "unknown field (expected one of " + known + ")");
            }
        });
    }
}
