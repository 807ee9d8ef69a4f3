package dev.egret.node.agent;

import dev.egret.node.run.ResolvConf;
import dev.egret.policy.Cidr;

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
public final class NodeConfig {
    /** False only in framework tests that have no kernel to talk to. */
    private final boolean enabled;

    private final Path stateDir;

    private final Path policyDir;

    private final Path pinDir;

    /** cgroup2 directory to attach to; default: the cgroup2 root found in /proc/mounts. */
    private final Optional<Path> attachCgroup;

    /** Capacities of maps created now, as {@code name=entries,...} (e.g. {@code egret_allow4=65536}). */
    private final String mapSizes;

    /** Upstream resolvers of the DNS proxy ({@code HOST:PORT,...}); empty: the nameservers of /etc/resolv.conf. */
    private final String dnsUpstreams;

    /**
     * The DNS proxy's port on 127.0.0.1 and ::1 (0: a free port). A fixed port is re-bound after a restart, so DNS the
     * kernel sends there while the agent is away fails and never reaches another listener.
     */
    private final int dnsPort;

    /**
     * Addresses of this node that workloads in other network namespaces (pods) can reach, where the DNS proxy also
     * listens and their DNS is redirected to (in a cluster: the node's IP); empty: only the node's own workloads.
     */
    private final String dnsPodAddresses;

    /** Added to every learned IP's TTL. */
    private final Duration dnsGrace;

    /** Denied-event lines a second the agent's log takes at most (connects and DNS queries each); 0: no limit. */
    private final long eventLogRate;

    private final Duration reconcileInterval;

    /** How often expired learned IPs (and those of unbound workloads) are deleted; a full map is swept at once too. */
    private final Duration learnedSweepInterval;

    /** This node's name in the audit stream and at the controller; default: $NODE_NAME, else the host name. */
    private final Optional<String> name;

    /** The controller to follow for policies and to send events to; none: policies from the policy directory only. */
    private final Optional<URI> controllerUrl;

    /** A file holding the node's bearer token (role {@code node}) for the controller. */
    private final Optional<Path> tokenFile;

    /** How the journal is delivered: {@code http} (to the controller) or {@code kafka}. */
    private final String transport;

    /** Pod workloads from the Kubernetes API: {@code auto} (when running in a cluster), {@code on} or {@code off}. */
    private final String pods;

    /** Where to look for the kubelet's pod cgroups; default: the cgroup2 root. */
    private final Optional<Path> podsCgroupRoot;

    /** Ask the API server for this node's pods only (off only against servers without field selectors). */
    private final boolean podsServerSideSelector;

    /** The bound of the local audit journal. */
    private final long journalMaxBytes;

    /** Allowed repeats of one destination within this window become one event with a count. */
    private final Duration auditFoldWindow;

    public NodeConfig(Settings s) {
        enabled = s.bool("egret.node.enabled", true);
        stateDir = s.path("egret.node.state-dir", Path.of("/var/lib/egret"));
        policyDir = s.path("egret.node.policy-dir", Path.of("/etc/egret/policies"));
        pinDir = s.path("egret.node.pin-dir", Path.of("/sys/fs/bpf/egret/node"));
        attachCgroup = s.path("egret.node.attach-cgroup");
        mapSizes = s.string("egret.node.map-sizes", " ");
        dnsUpstreams = s.string("egret.node.dns-upstreams", " ");
        dnsPort = s.integer("egret.node.dns-port", 0);
        dnsPodAddresses = s.string("egret.node.dns-pod-addresses", " ");
        dnsGrace = s.duration("egret.node.dns-grace", Duration.ofSeconds(5));
        eventLogRate = s.longValue("egret.node.event-log-rate", 100L);
        reconcileInterval = s.duration("egret.node.reconcile-interval", Duration.ofSeconds(1));
        learnedSweepInterval = s.duration("egret.node.learned-sweep-interval", Duration.ofSeconds(10));
        name = s.get("egret.node.name");
        controllerUrl = s.uri("egret.node.controller-url");
        tokenFile = s.path("egret.node.token-file");
        transport = s.string("egret.events.transport", "http");
        pods = s.string("egret.node.pods", "auto");
        podsCgroupRoot = s.path("egret.node.pods-cgroup-root");
        podsServerSideSelector = s.bool("egret.node.pods-server-side-selector", true);
        journalMaxBytes = s.longValue("egret.node.journal-max-bytes", 67108864L);
        auditFoldWindow = s.duration("egret.node.audit-fold-window", Duration.ofSeconds(10));
        httpHost = s.string("egret.node.http-host", "0.0.0.0");
        httpPort = s.integer("egret.node.http-port", 9190);
        Map<String, String> kafka = new TreeMap<>(s.withPrefix("kafka."));
        kafka.putIfAbsent("bootstrap.servers", "localhost:9092");
        kafkaProperties = Map.copyOf(kafka);
        logLevels = s.string("egret.node.log-levels", "INFO");
        kafkaTopic = s.string("egret.events.kafka-topic", "egret.audit");
        // what is wrong is said at start, not at first use
        mapSizes();
        transport();
        pods();
        learnedSweepInterval();
        dnsPodAddresses();
        positive("egret.node.reconcile-interval", reconcileInterval);
        positive("egret.node.audit-fold-window", auditFoldWindow);
        if (dnsGrace.isNegative()) {
            throw new IllegalArgumentException("egret.node.dns-grace must not be negative, not " + dnsGrace);
        }
        if (httpPort < 0 || httpPort > 65535 || dnsPort < 0 || dnsPort > 65535) {
            throw new IllegalArgumentException("egret.node.http-port and egret.node.dns-port: 0 to 65535, not "
                    + httpPort + " and " + dnsPort);
        }
    }

    private static void positive(String key, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(key + " must be positive, not " + d);
        }
    }

    /**
     * Every {@code kafka.*} setting (system property, or environment variable {@code kafka.*} / {@code KAFKA_*}) for
     * the producer, e.g. {@code security.protocol} and SASL or TLS settings of a secured cluster.
     */
    private final Map<String, String> kafkaProperties;
    /** Log levels: the root's, then {@code category=LEVEL} pairs ({@code INFO,dev.egret.node.dns=DEBUG}). */
    private final String logLevels;

    public Map<String, String> kafkaProperties() {
        return kafkaProperties;
    }

    public String logLevels() {
        return logLevels;
    }

    /** Health and metrics ({@code /q/health}, {@code /q/metrics}) listen here. */
    private final String httpHost;
    private final int httpPort;
    /** The topic of the Kafka transport. */
    private final String kafkaTopic;

    public String httpHost() {
        return httpHost;
    }

    public int httpPort() {
        return httpPort;
    }

    public String kafkaTopic() {
        return kafkaTopic;
    }

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
