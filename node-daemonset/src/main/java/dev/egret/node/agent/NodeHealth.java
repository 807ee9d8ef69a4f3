package dev.egret.node.agent;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent's health checks by name. Liveness reflects the datapath and the DNS proxy's UDP thread (never the
 * controller: a restart does not bring it back); readiness waits for the first reconcile. With the agent disabled
 * (tests without a kernel) every check is up.
 */
public final class NodeHealth {
    private final NodeAgent agent;

    public NodeHealth(NodeAgent agent) {
        this.agent = agent;
    }

    /**
     * {@code datapath}: open and its pins in place; {@code dns-proxy}: its UDP thread turns (a restart brings DNS
     * back; the pinned datapath keeps enforcing meanwhile, and a workload's DNS fails closed).
     */
    public Map<String, Boolean> liveness() {
        Map<String, Boolean> checks = new LinkedHashMap<>();
        checks.put("datapath", !agent.enabled() || agent.live());
        checks.put("dns-proxy", !agent.enabled() || agent.dnsLive());
        return checks;
    }

    /** {@code policies-applied}: the first reconcile has put the policies in force. */
    public Map<String, Boolean> readiness() {
        return Map.of("policies-applied", !agent.enabled() || agent.ready());
    }
}
