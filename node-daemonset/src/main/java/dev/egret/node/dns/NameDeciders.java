package dev.egret.node.dns;

import dev.egret.policy.EgressPolicy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compiled {@link NameDecider}s by policy name. A hit is the very policy object the decider was compiled from; a
 * new but equal object (the agent re-reads its policies) reuses the compiled form; anything else compiles anew.
 * Thread-safe; holds one entry per policy name.
 */
final class NameDeciders {
    private record Compiled(EgressPolicy policy, NameDecider decider) {
    }

    private final Map<String, Compiled> byName = new ConcurrentHashMap<>();

    NameDecider forPolicy(EgressPolicy policy) {
        Compiled c = byName.get(policy.name());
        if (c != null && c.policy() == policy) {
            return c.decider();
        }
        NameDecider d = c != null && c.policy().equals(policy) ? c.decider() : NameDecider.of(policy);
        byName.put(policy.name(), new Compiled(policy, d));
        return d;
    }
}
