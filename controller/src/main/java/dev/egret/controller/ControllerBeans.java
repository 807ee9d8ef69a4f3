package dev.egret.controller;

import dev.egret.controller.auth.TokenRegistry;
import dev.egret.controller.events.DependencyService;
import dev.egret.controller.store.AuditRetention;
import dev.egret.controller.store.AuditStore;
import dev.egret.controller.store.FileAuditStore;
import dev.egret.controller.store.FileNodeRegistry;
import dev.egret.controller.store.FilePolicyStore;
import dev.egret.controller.store.KubernetesPolicyStore;
import dev.egret.controller.store.NodeRegistration;
import dev.egret.controller.store.PolicyStore;
import dev.egret.controller.store.PolicyWatch;
import dev.egret.controller.store.WatchedPolicyStore;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** Wires the stores, the token registry and the services from configuration, with their metrics. */
@ApplicationScoped
public class ControllerBeans {
    private static final Logger LOG = Logger.getLogger(ControllerBeans.class);

    @Produces
    @Singleton
    PolicyWatch policyWatch(MeterRegistry registry) {
        PolicyWatch watch = new PolicyWatch();
        Gauge.builder(ControllerMetrics.POLICY_WATCHERS, watch, PolicyWatch::waiting)
                .description("Clients waiting in a policy watch").register(registry);
        return watch;
    }

    @Produces
    @Singleton
    PolicyStore policyStore(ControllerConfig config, MeterRegistry registry, PolicyWatch watch) {
        PolicyStore backing = switch (config.store()) {
            case "kubernetes" -> new KubernetesPolicyStore(new KubernetesClientBuilder().build(), Clock.systemUTC(),
                    watch::changed);
            default -> new FilePolicyStore(config.dataDir().toAbsolutePath(), Clock.systemUTC());
        };
        PolicyStore store = new WatchedPolicyStore(backing, watch);
        Gauge.builder(ControllerMetrics.POLICIES, store, s -> s.list().size())
                .description("Egress policies held by the controller")
                .register(registry);
        LOG.infof("policy store: %s (resourceVersion %d, %d policies)", config.store().equals("kubernetes")
                ? "EgressPolicy resources" : config.dataDir().toAbsolutePath(), store.resourceVersion(), store.list().size());
        return store;
    }

    @Produces
    @Singleton
    @Startup
    AuditStore auditStore(ControllerConfig config, MeterRegistry registry) {
        AuditRetention retention = config.auditRetention();
        String transport = config.eventsTransport();
        long start = System.nanoTime();
        FileAuditStore store = new FileAuditStore(config.dataDir().toAbsolutePath().resolve("audit"), retention,
                Clock.systemUTC());
        Gauge.builder(ControllerMetrics.AUDIT_STORED, store, AuditStore::size)
                .description("Audit events held by the controller").register(registry);
        FunctionCounter.builder(ControllerMetrics.AUDIT_PRUNED, store, AuditStore::prunedTotal)
                .description("Audit events removed by retention").register(registry);
        LOG.infof("audit store: %d events loaded in %d ms (retention %d events, %s; transport %s)", store.size(),
                (System.nanoTime() - start) / 1_000_000, retention.maxEvents(), retention.maxAge(), transport);
        return store;
    }

    void closeAuditStore(@Disposes AuditStore store) throws IOException {
        ((FileAuditStore) store).close();
    }

    @Produces
    @Singleton
    @Startup
    FileNodeRegistry nodes(ControllerConfig config, MeterRegistry registry) {
        Duration staleAfter = config.nodesStaleAfter();
        FileNodeRegistry nodes = new FileNodeRegistry(config.dataDir().toAbsolutePath(), Clock.systemUTC(),
                Duration.ofSeconds(10));
        for (NodeRegistration.State state : NodeRegistration.State.values()) {
            Gauge.builder(ControllerMetrics.NODES, nodes, n -> n.list().stream()
                            .filter(r -> r.state(Instant.now(), staleAfter) == state).count())
                    .tag("state", state.wireName()).description("Registered node agents by state").register(registry);
        }
        return nodes;
    }

    @Produces
    @Singleton
    DependencyService dependencies(AuditStore store, PolicyStore policies, MeterRegistry registry) {
        return new DependencyService(store, policies, registry);
    }

    @Produces
    @Singleton
    TokenRegistry tokens(ControllerConfig config) {
        if (config.tokensFile().isPresent()) {
            TokenRegistry r = TokenRegistry.fromFile(config.tokensFile().get());
            LOG.infof("loaded %d API tokens from %s", r.size(), config.tokensFile().get());
            return r;
        }
        TokenRegistry.Generated g = TokenRegistry.generatedAdmin(config.dataDir().toAbsolutePath());
        LOG.infof("%s admin API token in %s (set EGRET_TOKENS_FILE to use a tokens file instead)",
                g.created() ? "created an" : "using the", g.file());
        return g.registry();
    }
}
