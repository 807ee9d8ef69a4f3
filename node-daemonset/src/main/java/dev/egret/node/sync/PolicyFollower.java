package dev.egret.node.sync;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Optional;

/**
 * Follows the controller's policies: starts from the on-disk cache (so a node whose controller is unreachable
 * enforces its last known policies at once), then long-polls the controller by resource version, saving each new set
 * to the cache before handing it on. A controller outage changes nothing: the last set stays in force.
 */
public final class PolicyFollower implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PolicyFollower.class);

    /** Called on the follower's thread. */
    public interface Listener {
        void changed(PolicySet set);

        void reachable(boolean up);
    }

    private final ControllerClient client;
    private final PolicyCache cache;
    private final Duration wait;
    private final Listener listener;
    private volatile PolicySet current;
    private volatile boolean running = true;
    private Thread thread;

    public PolicyFollower(ControllerClient client, PolicyCache cache, Duration wait, Listener listener) {
        this.client = client;
        this.cache = cache;
        this.wait = wait;
        this.listener = listener;
        Optional<PolicySet> cached = cache.load();
        this.current = cached.orElse(PolicySet.EMPTY);
        cached.ifPresent(s -> LOG.infof("enforcing %d cached controller policies at resourceVersion %d until the controller answers",
                s.policies().size(), s.resourceVersion()));
    }

    /** The set in force: the newest received, or the cached one. */
    public PolicySet current() {
        return current;
    }

    public PolicyFollower start() {
        thread = Thread.ofPlatform().name("egret-policy-follower").daemon().start(this::loop);
        return this;
    }

    private void loop() {
        long backoffMs = 250;
        boolean up = true;
        while (running) {
            try {
                Optional<PolicySet> next = client.watch(current.resourceVersion(), wait);
                if (!up) {
                    LOG.infof("controller reachable again");
                }
                up = true;
                listener.reachable(true);
                backoffMs = 250;
                if (next.isPresent() && next.get().resourceVersion() != current.resourceVersion()) {
                    cache.save(next.get());
                    current = next.get();
                    listener.changed(current);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (up) {
                    LOG.warnf("controller unreachable, keeping the policies of resourceVersion %d: %s",
                            current.resourceVersion(), e.getMessage());
                }
                up = false;
                listener.reachable(false);
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoffMs = Math.min(backoffMs * 2, 5000);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
