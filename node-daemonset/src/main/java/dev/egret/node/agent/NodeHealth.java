package dev.egret.node.agent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * Liveness reflects the datapath and the DNS proxy's UDP thread (never the controller); readiness waits for the first
 * reconcile.
 */
public final class NodeHealth {
    private NodeHealth() {
    }

    @Liveness
    @ApplicationScoped
    public static class Datapath implements HealthCheck {
        @Inject
        NodeAgent agent;

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.named("datapath").status(!agent.enabled() || agent.live()).build();
        }
    }

    /** A restart brings DNS back; the pinned datapath keeps enforcing meanwhile (a workload's DNS fails closed). */
    @Liveness
    @ApplicationScoped
    public static class DnsProxyThread implements HealthCheck {
        @Inject
        NodeAgent agent;

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.named("dns-proxy").status(!agent.enabled() || agent.dnsLive()).build();
        }
    }

    @Readiness
    @ApplicationScoped
    public static class Reconciled implements HealthCheck {
        @Inject
        NodeAgent agent;

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.named("policies-applied").status(!agent.enabled() || agent.ready()).build();
        }
    }
}
