package dev.egret.node.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The controller's whole policy set at one resource version, as its watch returns it ({@code EgressPolicyList}).
 *
 * @param changedAt  when the controller made the write that produced this version (controller clock; null: unknown)
 * @param serverTime when the controller answered (controller clock; null: unknown)
 * @param receivedAt when this node received it (node clock; null for a set read from the cache)
 */
public record PolicySet(long resourceVersion, Instant changedAt, Instant serverTime, Instant receivedAt,
                        List<EgressPolicy> policies) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public PolicySet {
        policies = List.copyOf(policies);
    }

    public static final PolicySet EMPTY = new PolicySet(0, null, null, null, List.of());

    /**
     * How long from the controller's write to {@code appliedAt} (node clock): the part before the answer by the
     * controller's clock, the part after by the node's, so clock skew between the two does not enter. Empty when
     * the times are unknown (a cached set).
     */
    public Optional<Duration> lagUntil(Instant appliedAt) {
        if (changedAt == null || serverTime == null || receivedAt == null) {
            return Optional.empty();
        }
        Duration before = Duration.between(changedAt, serverTime);
        Duration after = Duration.between(receivedAt, appliedAt);
        return Optional.of((before.isNegative() ? Duration.ZERO : before).plus(after.isNegative() ? Duration.ZERO : after));
    }

    public Map<String, EgressPolicy> byName() {
        Map<String, EgressPolicy> out = new TreeMap<>();
        policies.forEach(p -> out.put(p.name(), p));
        return out;
    }

    /** Parses an {@code EgressPolicyList}; an invalid item is a PolicyValidationException naming its fields. */
    public static PolicySet parse(String json) {
        return parse(json, null);
    }

    /** @param receivedAt when the node received it (node clock) */
    public static PolicySet parse(String json, Instant receivedAt) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException("policy list is not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.path("items").isArray()) {
            throw new IllegalArgumentException("policy list has no items");
        }
        JsonNode meta = root.path("metadata");
        long rv = Long.parseLong(meta.path("resourceVersion").asText("0"));
        String changed = meta.path("changedAt").asText(null);
        String server = meta.path("serverTime").asText(null);
        List<EgressPolicy> items = new ArrayList<>();
        JsonNode arr = root.get("items");
        for (int i = 0; i < arr.size(); i++) {
            items.add(PolicyCodec.fromTree(arr.get(i), "items[" + i + "]."));
        }
        return new PolicySet(rv, instant(changed), instant(server), receivedAt, items);
    }

    private static Instant instant(String s) {
        return s == null || s.isEmpty() ? null : Instant.parse(s);
    }

    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("apiVersion", "egret.dev/v1");
        root.put("kind", "EgressPolicyList");
        ObjectNode meta = root.putObject("metadata");
        meta.put("resourceVersion", Long.toString(resourceVersion));
        if (changedAt != null) {
            meta.put("changedAt", changedAt.toString());
        }
        ArrayNode items = root.putArray("items");
        policies.forEach(p -> items.add(PolicyCodec.toTree(p)));
        return root.toString();
    }
}
