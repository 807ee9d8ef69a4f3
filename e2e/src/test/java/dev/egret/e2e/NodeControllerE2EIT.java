package dev.egret.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.egret.node.cgroup.CgroupLimits;
import dev.egret.node.cgroup.WorkloadCgroup;
import dev.egret.node.datapath.EgretDatapath;
import dev.egret.k8s.EgretMetrics;
import dev.egret.node.testkit.InCgroup;
import dev.egret.node.testkit.Servers;
import dev.egret.node.testkit.TestCgroups;
import dev.egret.node.testkit.TestDnsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The controller and a node agent as real processes: a policy written at the controller is enforced on the node
 * (and how long that took is measured), denied connects reach the controller's audit and dependency views, the
 * node keeps enforcing its cached policies across its own restart while the controller is down, and events made
 * while the controller is down arrive once it is back, none lost.
 */
class NodeControllerE2EIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "e2e-admin-token-0123456789";
    private static final String NODE = "e2e-node-token-0123456789";

    @TempDir
    Path tmp;
    private TestCgroups env;
    private Servers server;
    private TestDnsServer dns;
    private Process controller;
    private Process node;
    private int cport;
    private int nport;
    private final List<WorkloadCgroup> cgroups = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        env = new TestCgroups();
        server = new Servers("0.0.0.0");
        dns = new TestDnsServer().add("api.deps.test. 60 A 127.0.0.3");
        Files.writeString(tmp.resolve("resolv.conf"), "nameserver 127.0.0.153\noptions timeout:2 attempts:1\n");
        Files.writeString(tmp.resolve("tokens"), ADMIN + " admin e2e\n" + NODE + " node e2e-node\n");
        Files.writeString(tmp.resolve("node.token"), NODE + "\n");
        Files.createDirectories(env.mounts.v2Root().resolve(env.parent));
        cport = Apps.freePort();
        nport = Apps.freePort();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            node.destroyForcibly().waitFor();
        }
        if (controller != null) {
            controller.destroyForcibly().waitFor();
        }
        for (WorkloadCgroup c : cgroups) {
            c.close();
        }
        server.close();
        dns.close();
        env.close();
    }

    private void startController() throws Exception {
        controller = Apps.controller(cport, tmp.resolve("controller-data"), tmp.resolve("tokens"), tmp.resolve("controller.log"));
        Apps.await(() -> Apps.get(cport, "/q/health/ready", null).statusCode() == 200, Duration.ofSeconds(60),
                "controller ready");
    }

    private void startNode() throws Exception {
        Files.createDirectories(tmp.resolve("policies"));
        node = Apps.node(List.of("-Degret.node.http-port=" + nport, "-Degret.node.name=e2e-node",
                "-Degret.node.state-dir=" + tmp.resolve("node-state"), "-Degret.node.policy-dir=" + tmp.resolve("policies"),
                "-Degret.node.pin-dir=" + env.pinDir.resolve("node"),
                "-Degret.node.attach-cgroup=" + env.mounts.v2Root().resolve(env.parent),
                "-Degret.node.reconcile-interval=200ms", "-Degret.node.dns-upstreams=" + dns.upstream(),
                "-Degret.node.audit-fold-window=1s",
                "-Degret.node.controller-url=http://127.0.0.1:" + cport, "-Degret.node.token-file=" + tmp.resolve("node.token")),
                tmp.resolve("node.log"));
        Apps.await(() -> Apps.get(nport, "/q/health/ready", null).statusCode() == 200, Duration.ofSeconds(60),
                "node ready; log " + tmp.resolve("node.log"));
    }

    private String policy() {
        return """
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: deploy}
                spec:
                  workloads: {cgroupPaths: ["%s/deploy-*"]}
                  egress:
                    - {toCIDR: [127.0.0.1/32], toPorts: [{port: %d}]}
                    - {toFQDNs: [{matchPattern: "*.deps.test"}], toPorts: [{port: %d}]}
                """.formatted(env.parent, server.port(), server.port());
    }

    private List<String> probe(WorkloadCgroup cg) throws Exception {
        String p = Integer.toString(server.port());
        return InCgroup.probe(cg, false, "tcp", "127.0.0.1", p, "tcp", "127.0.0.2", p);
    }

    /** {@code n} connects to the denied 127.0.0.2, each failing with EPERM. */
    private int deniedConnects(WorkloadCgroup cg, int n) throws Exception {
        List<String> out = InCgroup.run(cg, List.of("python3", "-c", """
                import socket, sys
                eperm = 0
                for i in range(%d):
                    s = socket.socket()
                    try:
                        s.connect(("127.0.0.2", %d))
                    except PermissionError:
                        eperm += 1
                    finally:
                        s.close()
                print(eperm)
                """.formatted(n, server.port())));
        return Integer.parseInt(out.get(out.size() - 1).strip());
    }

    private long deniedInAudit(String workload) throws Exception {
        HttpResponse<String> r = Apps.get(cport, "/api/v1/audit?workload=" + workload + "&verdict=deny&limit=1000", ADMIN);
        assertEquals(200, r.statusCode(), r.body());
        long n = 0;
        for (JsonNode e : JSON.readTree(r.body()).path("items")) {
            n += e.path("count").asLong(1);
        }
        return n;
    }

    private String metric(String name) throws Exception {
        return Apps.get(nport, "/q/metrics", null).body().lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .findFirst().map(l -> l.substring(l.lastIndexOf(' ') + 1)).orElse("absent");
    }

    @Test
    void policiesFlowDownEventsFlowUpAndNeitherNeedsTheOtherToBeUp() throws Exception {
        startController();
        startNode();
        WorkloadCgroup deploy = env.workload("deploy-1", CgroupLimits.NONE);
        cgroups.add(deploy);
        assertEquals(List.of("ok", "ok"), probe(deploy), "no policy yet");

        // a REST write reaches the node's datapath; the time it took is measured by the node
        long t0 = System.nanoTime();
        HttpResponse<String> put = Apps.put(cport, "/api/v1/policies/deploy", ADMIN, "application/yaml", policy());
        assertEquals(201, put.statusCode(), put.body());
        String version = put.headers().firstValue("ETag").orElseThrow().replace("\"", "");
        Apps.await(() -> probe(deploy).equals(List.of("ok", "EPERM")), Duration.ofSeconds(30), "policy enforced on the node");
        long seenMs = (System.nanoTime() - t0) / 1_000_000;
        Apps.await(() -> !metric("egret_policy_sync_lag_seconds_count").equals("absent"), Duration.ofSeconds(10), "lag metric");
        double lagSum = Double.parseDouble(metric("egret_policy_sync_lag_seconds_sum"));
        System.out.printf("policy sync: REST write to enforcement seen by a probe in %d ms; node-measured lag %.1f ms%n",
                seenMs, lagSum * 1000);
        assertTrue(lagSum < 5, "sync lag under 5 s: " + lagSum);

        // the node registers with the version it applied
        Apps.await(() -> {
            JsonNode nodes = JSON.readTree(Apps.get(cport, "/api/v1/nodes", ADMIN).body()).path("items");
            for (JsonNode n : nodes) {
                if (n.path("name").asText().equals("e2e-node")) {
                    return n.path("appliedResourceVersion").asText().equals(version) && n.path("state").asText().equals("ready");
                }
            }
            return false;
        }, Duration.ofSeconds(30), "node registered at resourceVersion " + version);

        // denied connects show up in the audit and the dependency map
        String workload = env.parent + "/deploy-1";
        int denied = 1 + deniedConnects(deploy, 5); // the probe above made one too
        Apps.await(() -> deniedInAudit(workload) >= denied, Duration.ofSeconds(30), denied + " denied events in the audit");
        JsonNode deps = JSON.readTree(Apps.get(cport, "/api/v1/dependencies?workload=" + workload, ADMIN).body());
        JsonNode dest = null;
        for (JsonNode d : deps.path("workloads").path(0).path("destinations")) {
            if ("127.0.0.2".equals(d.path("address").asText()) || "127.0.0.2".equals(d.path("destination").asText())) {
                dest = d;
            }
        }
        assertTrue(dest != null && dest.path("verdicts").path("deny").asLong() >= denied, deps.toString());

        // a name resolved through the node's DNS proxy, then connected to: the dependency map knows the name
        List<String> resolved = InCgroup.run(deploy, List.of("unshare", "-m", "sh", "-c", "mount --bind "
                + tmp.resolve("resolv.conf") + " /etc/resolv.conf && python3 -c \"import socket; "
                + "s = socket.create_connection(('api.deps.test', " + server.port() + "), 3); print('connected', s.getpeername()[0])\""));
        assertEquals(List.of("connected 127.0.0.3"), resolved);
        String[] lastDeps = {""};
        Apps.await(() -> {
            lastDeps[0] = Apps.get(cport, "/api/v1/dependencies?workload=" + workload, ADMIN).body();
            JsonNode ws = JSON.readTree(lastDeps[0]);
            for (JsonNode d : ws.path("workloads").path(0).path("destinations")) {
                if (d.path("destination").asText().equals("api.deps.test") && d.path("port").asInt() == server.port()
                        && d.path("kinds").toString().contains("connect") && d.path("verdicts").path("allow").asLong() >= 1) {
                    return true;
                }
            }
            return false;
        }, Duration.ofSeconds(30), () -> "the connect to a learned address reported under its name: " + lastDeps[0]);

        // every metric the alert rules and the dashboard may use (EgretMetrics, which the rule tests check them
        // against) is exported by the running apps
        java.util.Set<String> live = new java.util.TreeSet<>();
        for (String body : List.of(Apps.get(nport, "/q/metrics", null).body(), Apps.get(cport, "/q/metrics", null).body())) {
            body.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                    .forEach(l -> live.add(l.split("[{ ]", 2)[0]));
        }
        java.util.Set<String> missing = new java.util.TreeSet<>(EgretMetrics.NODE);
        missing.addAll(EgretMetrics.CONTROLLER);
        EgretMetrics.NODE_HISTOGRAMS.forEach(h -> missing.add(h + "_bucket"));
        missing.removeAll(live);
        assertEquals(java.util.Set.of(), missing, "metrics the rules may use but the apps do not export");

        // controller down: the node keeps enforcing, and keeps what it sees in its journal
        controller.destroyForcibly().waitFor();
        int whileDown = deniedConnects(deploy, 20);
        assertEquals(20, whileDown);
        // the first denial at once, its repeats (same destination, within a second) as one more event that counts them
        Apps.await(() -> Double.parseDouble(metric("egret_audit_journal_events")) >= 2, Duration.ofSeconds(10),
                "events journaled while the controller is down");

        // the node restarts while the controller is down, even with its kernel state gone: it enforces its cached
        // policies at once
        node.destroyForcibly().waitFor();
        EgretDatapath.uninstall(env.pinDir.resolve("node"));
        assertEquals(List.of("ok", "ok"), probe(deploy), "nothing pinned any more: nothing enforced");
        startNode();
        assertEquals(List.of("ok", "EPERM"), probe(deploy), "cached policy in force after a restart without controller");
        int afterRestart = 1;

        // the controller comes back: every event made while it was down arrives, none lost
        startController();
        long expected = denied + whileDown + afterRestart;
        Apps.await(() -> deniedInAudit(workload) == expected, Duration.ofSeconds(60),
                expected + " denied events in the audit after the outage");
        Thread.sleep(1500);
        assertEquals(expected, deniedInAudit(workload), "no duplicates after redelivery");
        assertEquals("0.0", metric("egret_audit_journal_dropped_total"));
    }
}
