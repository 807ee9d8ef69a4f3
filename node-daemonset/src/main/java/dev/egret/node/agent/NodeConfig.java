package dev.egret.node.agent;

import dev.egret.node.run.ResolvConf;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
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

    /** Upstream resolvers of the DNS proxy ({@code HOST:PORT,...}); empty: the nameservers of /etc/resolv.conf. */
    @ConfigProperty(name = "egret.node.dns-upstreams", defaultValue = " ")
    String dnsUpstreams;

    /** Added to every learned IP's TTL. */
    @ConfigProperty(name = "egret.node.dns-grace", defaultValue = "5s")
    Duration dnsGrace;

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

    public List<String> dnsUpstreams() {
        List<String> ups = Arrays.stream(dnsUpstreams.split(",")).map(String::strip)
                .filter(x -> !x.isEmpty()).toList();
        return ups.isEmpty() ? ResolvConf.nameservers(Path.of("/etc/resolv.conf")) : ups;
    }

    public Duration dnsGrace() {
        return dnsGrace;
    }

    public Duration reconcileInterval() {
        return reconcileInterval;
    }
}
