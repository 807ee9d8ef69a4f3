package dev.egret.controller;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.audit.AuditEvent;
import dev.egret.audit.AuditEventCodec;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import dev.egret.policy.PolicyValidationException;
import dev.egret.policy.Violation;
import dev.egret.policy.json.JsonSyntax;
import dev.egret.policy.json.JsonSyntaxException;
import dev.egret.policy.json.JsonValue;

import java.util.List;

/**
 * Between the domain's own JSON (the policy and audit modules write and read JSON text without Jackson, so the node
 * agent carries no object mapper) and the Jackson trees the controller's REST layer and Kubernetes client use. The
 * bridge is the JSON text: what one writes, the other reads.
 */
public final class JacksonTrees {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JacksonTrees() {
    }

    /** A policy's canonical form as a Jackson object. */
    public static ObjectNode policy(EgressPolicy p) {
        return object(PolicyCodec.toJson(p));
    }

    public static ObjectNode event(AuditEvent e) {
        return object(AuditEventCodec.toLine(e));
    }

    /** JSON text the domain wrote, as a Jackson object. */
    public static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("the domain wrote JSON that is not an object: " + e.getMessage(), e);
        }
    }

    /**
     * A Jackson tree as the domain's, for {@link PolicyCodec#fromTree}; null stays null. A tree the domain's reader
     * refuses (nested deeper than it allows) is a {@link PolicyValidationException} naming {@code field}.
     */
    public static JsonValue value(JsonNode n, String field) {
        try {
            return n == null || n.isMissingNode() ? null : JsonSyntax.parse(n.toString());
        } catch (JsonSyntaxException e) {
            throw new PolicyValidationException(List.of(new Violation(field, e.problem())));
        }
    }
}
