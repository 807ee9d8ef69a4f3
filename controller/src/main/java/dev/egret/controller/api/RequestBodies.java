package dev.egret.controller.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.NewPolicyRules;
import dev.egret.policy.PolicyCodec;
import jakarta.ws.rs.core.MediaType;

import java.nio.charset.StandardCharsets;

/** Checks on raw request bodies (the auth filter already refuses a declared Content-Length over the limit). */
final class RequestBodies {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RequestBodies() {
    }

    /** A checked body that must be one JSON object. */
    static JsonNode jsonObject(String body, long maxBytes) {
        check(body, maxBytes);
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badField("body", "malformed JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badField("body", "expected a JSON object");
        }
        return root;
    }

    /** A checked body that must be a valid policy, in YAML when the media type says so, else JSON. */
    static EgressPolicy policy(String body, MediaType type, long maxBytes) {
        check(body, maxBytes);
        return NewPolicyRules.check(MediaTypes.isYaml(type) ? PolicyCodec.parseYaml(body) : PolicyCodec.parseJson(body));
    }

    static void check(String body, long maxBytes) {
        if (body == null || body.isBlank()) {
            throw ApiException.badField("body", "the request body is empty");
        }
        if (body.length() > maxBytes || body.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            throw new ApiException(Problem.field(413, "Payload too large", "body", "larger than " + maxBytes + " bytes"));
        }
    }
}
