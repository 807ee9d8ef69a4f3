package dev.egret.node.sync;

import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import dev.egret.policy.json.JsonSyntax;
import dev.egret.policy.json.JsonSyntaxException;
import dev.egret.policy.json.JsonValue;
import dev.egret.policy.json.JsonWriter;

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
        JsonValue root;
        try {
            root = JsonSyntax.parse(json);
        } catch (JsonSyntaxException e) {
            throw new IllegalArgumentException("policy list is not JSON: " + e.getMessage(), e);
        }
        JsonValue arr = root.get("items");
        if (arr == null || !arr.isArray()) {
            throw new IllegalArgumentException("policy list has no items");
        }
        JsonValue meta = root.get("metadata");
        long rv = Long.parseLong(text(meta, "resourceVersion", "0"));
        String changed = text(meta, "changedAt", null);
        String server = text(meta, "serverTime", null);
        List<EgressPolicy> items = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            items.add(PolicyCodec.fromTree(arr.get(i), "items[" + i + "]."));
        }
        return new PolicySet(rv, instant(changed), instant(server), receivedAt, items);
    }

    /** A scalar field of {@code n} as text; {@code absent} when {@code n} or the field is missing or null. */
    private static String text(JsonValue n, String field, String absent) {
        JsonValue v = n == null ? null : n.get(field);
        return v == null || v.isNull() ? absent : v.asText();
    }

    private static Instant instant(String s) {
        return s == null || s.isEmpty() ? null : Instant.parse(s);
    }

    public String toJson() {
        JsonWriter w = new JsonWriter().beginObject().field("apiVersion", "egret.dev/v1")
                .field("kind", "EgressPolicyList");
        w.name("metadata").beginObject().field("resourceVersion", Long.toString(resourceVersion))
                .fieldIfPresent("changedAt", changedAt == null ? null : changedAt.toString()).endObject();
        w.name("items").beginArray();
        policies.forEach(p -> PolicyCodec.write(w, p));
        return w.endArray().endObject().toString();
    }
}
