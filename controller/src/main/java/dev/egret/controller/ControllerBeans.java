package dev.egret.controller;

import dev.egret.controller.auth.TokenRegistry;
import dev.egret.controller.store.FilePolicyStore;
import dev.egret.controller.store.PolicyStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Clock;

/** Wires the store and the token registry from configuration. */
@ApplicationScoped
public class ControllerBeans {
    private static final Logger LOG = Logger.getLogger(ControllerBeans.class);

    @Produces
    @Singleton
    PolicyStore policyStore(ControllerConfig config, MeterRegistry registry) {
        PolicyStore store = new FilePolicyStore(config.dataDir().toAbsolutePath(), Clock.systemUTC());
        Gauge.builder("egret_policies", store, s -> s.list().size())
                .description("Egress policies held by the controller")
                .register(registry);
        LOG.infof("policy store: %s (resourceVersion %d, %d policies)", config.dataDir().toAbsolutePath(),
                store.resourceVersion(), store.list().size());
        return store;
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
