package dev.egret.node.agent;

import dev.egret.node.sync.ControllerClient;
import dev.egret.node.sync.PolicyCache;
import dev.egret.node.sync.PolicyFollower;
import dev.egret.node.sync.PolicySet;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node's link to the controller, when one is configured: follows its policies (cached on disk), registers the
 * node every few seconds, and measures the time from a controller write to its enforcement here.
 */
public final class ControllerLink {
    private static final Logger LOG = Logger.getLogger(ControllerLink.class);
    static final String VERSION = "0.1.0";

    private final NodeConfig config;
    private final NodeMetrics metrics;

    private ControllerClient client;
    private PolicyFollower follower;
    private ScheduledExecutorService heartbeat;
    private volatile long appliedVersion;
    private volatile boolean reachable;

    public ControllerLink(NodeConfig config, NodeMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    /** Starts following; {@code onChange} is called (on the follower's thread) when a new set arrives. */
    void start(Runnable onChange, java.util.function.BooleanSupplier ready) {
        if (config.controllerUrl().isEmpty()) {
            return;
        }
        client = new ControllerClient(config.controllerUrl().get(), config::token);
        follower = new PolicyFollower(client, new PolicyCache(config.stateDir().resolve("controller-policies.json")),
                Duration.ofSeconds(30), new PolicyFollower.Listener() {
            @Override
            public void changed(PolicySet set) {
                LOG.infof("controller policies at resourceVersion %d: %d policies", set.resourceVersion(), set.policies().size());
                onChange.run();
            }

            @Override
            public void reachable(boolean up) {
                reachable = up;
            }
        });
        metrics.bindLink(this);
        follower.start();
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("egret-heartbeat").daemon().unstarted(r));
        heartbeat.scheduleWithFixedDelay(() -> {
            try {
                client.register(config.name(), VERSION, appliedVersion, ready.getAsBoolean());
            } catch (Exception e) {
                LOG.debugf("registration failed: %s", e.getMessage());
            } 
        }, 0, 5, TimeUnit.SECONDS);
        LOG.infof("following the controller at %s as node %s", config.controllerUrl().get(), config.name());
    }

    public boolean enabled() {
        return follower != null;
    }

    /** The controller's policy set in force (cached or received); empty set without a controller. */
    public PolicySet current() {
        return follower == null ? PolicySet.EMPTY : follower.current();
    }

    public Optional<ControllerClient> client() {
        return Optional.ofNullable(client);
    }

    /** Called by the datapath thread after a reconcile that put {@code set} in force. */
    void applied(PolicySet set, Instant now) {
        if (set.resourceVersion() > appliedVersion) {
            appliedVersion = set.resourceVersion();
            set.lagUntil(now).ifPresent(metrics::syncLag);
        }
    }

    public long appliedVersion() {
        return appliedVersion;
    }

    public boolean reachable() {
        return reachable;
    }

    void stop() {
        if (heartbeat != null) {
            heartbeat.shutdownNow();
        }
        if (follower != null) {
            follower.close();
        }
    }
}
