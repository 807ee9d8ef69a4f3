package dev.egret.node.agent;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The node agent's settings ({@code egret.node.*}); {@code ./egret node} maps its options onto them. */
@ApplicationScoped
public class NodeConfig {
    /** False only in framework tests that have no kernel to talk to. */
    @ConfigProperty(name = "egret.node.enabled", defaultValue = "true")
    boolean enabled;

    @ConfigProperty(name = "egret.node.state-dir", defaultValue = "/var/lib/egret")
    Path stateDir;

    @ConfigProperty(name = "egret.node.policy-dir", defaultValue = "/etc/egret/policies")
    Path policyDir;

    @ConfigProperty(name = "egret.node.pin-dir", defaultValue = "/sys/fs/bpf/egret/node")
    Path pinDir;

    /** cgroup2 directory to attach to; default: the cgroup2 root found in /proc/mounts. */
    @ConfigProperty(name = "egret.node.attach-cgroup")
    Optional<Path> attachCgroup;

    /** Capacities of maps created now, as {@code name=entries,...} (e.g. {@code egret_allow4=65536}). */
    @ConfigProperty(name = "egret.node.map-sizes", defaultValue = " ")
    String mapSizes;

    @ConfigProperty(name = "egret.node.reconcile-interval", defaultValue = "1s")
    Duration reconcileInterval;

    public boolean enabled() {
        return enabled;
    }

    public Path stateDir() {
        return stateDir;
    }

    public Path policyDir() {
        return policyDir;
    }

    public Path pinDir() {
        return pinDir;
    }

    public Optional<Path> attachCgroup() {
        return attachCgroup;
    }

    public java.util.Map<String, Integer> mapSizes() {
        java.util.Map<String, Integer> out = new java.util.TreeMap<>();
        for (String pair : mapSizes.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            String[] kv = pair.strip().split("=");
            try {
                out.put(kv[0].strip(), Integer.parseInt(kv[1].strip()));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("egret.node.map-sizes: '" + pair + "' is not name=entries");
            }
        }
        return out;
    }

    public Duration reconcileInterval() {
        return reconcileInterval;
    }
}
