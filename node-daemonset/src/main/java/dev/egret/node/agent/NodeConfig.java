package dev.egret.node.agent;

import dev.egret.node.run.ResolvConf;
import dev.egret.policy.Cidr;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

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

    /**
     * The DNS proxy's port on 127.0.0.1 and ::1 (0: a free port). A fixed port is re-bound after a restart, so DNS the
     * kernel sends there while the agent is away fails and never reaches another listener.
     */
    @ConfigProperty(name = "egret.node.dns-port", defaultValue = "0")
    int dnsPort;

    /**
     * Addresses of this node that workloads in other network namespaces (pods) can reach, where the DNS proxy also
     * listens and their DNS is redirected to (in a cluster: the node's IP); empty: only the node's own workloads.
     */
    @ConfigProperty(name = "egret.node.dns-pod-addresses", defaultValue = " ")
    String dnsPodAddresses;

    /** Added to every learned IP's TTL. */
    @ConfigProperty(name = "egret.node.dns-grace", defaultValue = "5s")
    Duration dnsGrace;

    /** Denied-event lines a second the agent's log takes at most (connects and DNS queries each); 0: no limit. */
    @ConfigProperty(name = "egret.node.event-log-rate", defaultValue = "100")
    long eventLogRate;

    @ConfigProperty(name = "egret.node.reconcile-interval", defaultValue = "1s")
    Duration reconcileInterval;

    /** How often expired learned IPs (and those of unbound workloads) are deleted; a full map is swept at once too. */
    @ConfigProperty(name = "egret.node.learned-sweep-interval", defaultValue = "10s")
    Duration learnedSweepInterval;

    /** This node's name in the audit stream and at the controller; default: $NODE_NAME, else the host name. */
    @ConfigProperty(name = "egret.node.name")
    Optional<String> name;

    /** The controller to follow for policies and to send events to; none: policies from the policy directory only. */
    @ConfigProperty(name = "egret.node.controller-url")
    Optional<URI> controllerUrl;

    /** A file holding the node's bearer token (role {@code node}) for the controller. */
    @ConfigProperty(name = "egret.node.token-file")
    Optional<Path> tokenFile;

    /** How the journal is delivered: {@code http} (to the controller) or {@code kafka}. */
    @ConfigProperty(name = "egret.events.transport", defaultValue = "http")
    String transport;

    /** Pod workloads from the Kubernetes API: {@code auto} (when running in a cluster), {@code on} or {@code off}. */
    @ConfigProperty(name = "egret.node.pods", defaultValue = "auto")
    String pods;

    /** Where to look for the kubelet's pod cgroups; default: the cgroup2 root. */
    @ConfigProperty(name = "egret.node.pods-cgroup-root")
    Optional<Path> podsCgroupRoot;

    /** Ask the API server for this node's pods only (off only against servers without field selectors). */
    @ConfigProperty(name = "egret.node.pods-server-side-selector", defaultValue = "true")
    boolean podsServerSideSelector;

    /** The bound of the local audit journal. */
    @ConfigProperty(name = "egret.node.journal-max-bytes", defaultValue = "67108864")
    long journalMaxBytes;

    /** Allowed repeats of one destination within this window become one event with a count. */
    @ConfigProperty(name = "egret.node.audit-fold-window", defaultValue = "10s")
    Duration auditFoldWindow;

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

    public Map<String, Integer> mapSizes() {
        Map<String, Integer> out = new TreeMap<>();
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

    /** At most one IPv4 and one IPv6 address. */
    public List<InetAddress> dnsPodAddresses() {
        List<InetAddress> out = Arrays.stream(dnsPodAddresses.split(",")).map(String::strip).filter(x -> !x.isEmpty())
                .map(Cidr::parseAddress).toList();
        if (out.stream().filter(a -> a instanceof Inet4Address).count() > 1
                || out.stream().filter(a -> !(a instanceof Inet4Address)).count() > 1) {
            throw new IllegalArgumentException("egret.node.dns-pod-addresses: at most one IPv4 and one IPv6 address, not "
                    + dnsPodAddresses.strip());
        }
        return out;
    }

    public int dnsPort() {
        return dnsPort;
    }

    public Duration dnsGrace() {
        return dnsGrace;
    }

    public Duration reconcileInterval() {
        return reconcileInterval;
    }

    public Duration learnedSweepInterval() {
        if (learnedSweepInterval.isNegative() || learnedSweepInterval.isZero()) {
            throw new IllegalArgumentException("egret.node.learned-sweep-interval must be positive, not " + learnedSweepInterval);
        }
        return learnedSweepInterval;
    }

    public long eventLogRate() {
        return eventLogRate;
    }

    /** This node's name: as configured, else $NODE_NAME, else the host name (found once). */
    public String name() {
        String n = resolvedName;
        if (n == null) {
            resolvedName = n = name.filter(v -> !v.isBlank()).orElseGet(() -> {
                String env = System.getenv("NODE_NAME");
                if (env != null && !env.isBlank()) {
                    return env;
                }
                try {
                    return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
                } catch (IOException e) {
                    return "node";
                }
            });
        }
        return n;
    }

    private volatile String resolvedName;

    public Optional<URI> controllerUrl() {
        return controllerUrl;
    }

    /** The token, read when needed so a rotated file is picked up. */
    public String token() {
        Path f = tokenFile.orElseThrow(() -> new IllegalStateException(
                "egret.node.token-file is required with egret.node.controller-url"));
        try {
            return Files.readString(f).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the node token file " + f, e);
        }
    }

    public String transport() {
        if (!transport.equals("http") && !transport.equals("kafka")) {
            throw new IllegalArgumentException("egret.events.transport: 'http' or 'kafka', not '" + transport + "'");
        }
        return transport;
    }

    public boolean pods() {
        return switch (pods) {
            case "on" -> true;
            case "off" -> false;
            case "auto" -> System.getenv("KUBERNETES_SERVICE_HOST") != null;
            default -> throw new IllegalArgumentException("egret.node.pods: 'auto', 'on' or 'off', not '" + pods + "'");
        };
    }

    public Optional<Path> podsCgroupRoot() {
        return podsCgroupRoot;
    }

    public boolean podsServerSideSelector() {
        return podsServerSideSelector;
    }

    public long journalMaxBytes() {
        return journalMaxBytes;
    }

    public Duration auditFoldWindow() {
        return auditFoldWindow;
    }
}
