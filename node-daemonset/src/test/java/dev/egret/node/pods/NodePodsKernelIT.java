package dev.egret.node.pods;

import dev.egret.node.cgroup.CgroupLimits;
import dev.egret.node.cgroup.WorkloadCgroup;
import dev.egret.node.testkit.InCgroup;
import dev.egret.node.testkit.PodNetwork;
import dev.egret.node.testkit.Servers;
import dev.egret.node.testkit.TestCgroups;
import dev.egret.node.testkit.TestDnsServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged node agent policing pods: pods come from a fabric8 mock API server (CRUD mode), their cgroups are
 * real cgroup2 directories laid out as a systemd-driver kubelet makes them; enforcement is by the real kernel.
 */
class NodePodsKernelIT {
    private final HttpClient http = HttpClient.newHttpClient();
    private KubernetesMockServer api;
    private boolean apiDown;
    private KubernetesClient kube;
    private TestCgroups env;
    private Servers server;
    private TestDnsServer dns;
    private PodNetwork podNet;
    private Process node;
    private int port;
    @TempDir
    Path tmp;

    @BeforeEach
    void setUp() throws Exception {
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        api.init();
        kube = api.createClient();
        env = new TestCgroups();
        server = new Servers("0.0.0.0");
        dns = new TestDnsServer().add("api.allowed.test. 60 A 192.0.2.80").add("denied.test. 60 A 192.0.2.81");
        podNet = new PodNetwork();
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.createDirectories(env.mounts.v2Root().resolve(env.parent));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            node.destroyForcibly().waitFor();
        }
        server.close();
        dns.close();
        podNet.close();
        Path root = env.mounts.v2Root().resolve(env.parent);
        for (String d : List.of("kubepods.slice/kubepods-burstable.slice", "kubepods.slice")) {
            Files.deleteIfExists(root.resolve(d));
        }
        env.close();
        kube.close();
        if (!apiDown) {
            api.destroy();
        }
    }

    private Pod pod(String name, String app) {
        return kube.pods().inNamespace("deploy").resource(new PodBuilder().withNewMetadata().withNamespace("deploy")
                .withName(name).withLabels(Map.of("app", app)).endMetadata().withNewSpec().withNodeName("node-a").endSpec()
                .withNewStatus().withPhase("Running").endStatus().build()).create();
    }

    /** The pod's cgroup where a systemd-driver kubelet puts a burstable pod. */
    private WorkloadCgroup podCgroup(Pod p) {
        return env.workload("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                + p.getMetadata().getUid().replace('-', '_') + ".slice", CgroupLimits.NONE);
    }

    private List<String> probe(WorkloadCgroup cg) throws Exception {
        String p = Integer.toString(server.port());
        return InCgroup.probe(cg, false, "tcp", "127.0.0.1", p, "tcp", "127.0.0.2", p);
    }

    @Test
    void podsSelectedByLabelsArePolicedAndNamedByNamespaceAndPod() throws Exception {
        kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("deploy")
                .withLabels(Map.of("team", "sre")).endMetadata().build()).create();
        writeDeployers(", namespaceSelector: {matchLabels: {team: sre}}");
        Pod runner = pod("runner-1", "deployer");
        Pod web = pod("web-1", "web");
        try (WorkloadCgroup runnerCg = podCgroup(runner); WorkloadCgroup webCg = podCgroup(web)) {
            startNode();
            awaitTrue(() -> probe(runnerCg).equals(List.of("ok", "EPERM")), "the deployer pod is policed");
            assertEquals(List.of("ok", "ok"), probe(webCg), "a pod the selector does not pick is not policed");
            // the denied connect's event is counted by the agent's event thread, a moment after the EPERM
            awaitTrue(() -> get("/q/metrics").body().lines().anyMatch(l -> l.startsWith("egret_connections_total")
                    && l.contains("workload=\"deploy/runner-1\"") && l.contains("verdict=\"deny\"") && !l.endsWith(" 0.0")),
                    "the pod's denied connect counted under its name");
            String metrics = get("/q/metrics").body();
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("egret_cgroup_cpu_seconds_total{workload=\"deploy/runner-1\"}")
                    && Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) > 0), "the pod's own cgroup is read for its usage: " + metrics);

            // a pod has its own network namespace: its DNS reaches the agent's proxy on the node's address
            List<String> podDns = InCgroup.run(runnerCg, List.of("ip", "netns", "exec", podNet.namespace(), "sh", "-c",
                    "dig +short +time=2 +tries=1 @10.96.0.10 api.allowed.test; dig +time=2 +tries=1 @10.96.0.10 denied.test"
                            + " | grep -o 'status: [A-Z]*'; dig +tcp +short +time=2 +tries=1 @10.96.0.10 api.allowed.test"));
            assertEquals(List.of("192.0.2.80", "status: REFUSED", "192.0.2.80"), podDns);

            // relabel: the web pod becomes a deployer, the runner stops being one
            kube.pods().inNamespace("deploy").withName("web-1").edit(p -> new PodBuilder(p).editMetadata()
                    .addToLabels("app", "deployer").endMetadata().build());
            kube.pods().inNamespace("deploy").withName("runner-1").delete();
            awaitTrue(() -> probe(webCg).equals(List.of("ok", "EPERM")) && probe(runnerCg).equals(List.of("ok", "ok")),
                    "policing follows the pods");
        }
    }

    /**
     * The kubelet makes a pod's cgroup after the pod is scheduled: the agent, which heard of the pod first, polices
     * the cgroup as it appears, not at the next periodic pass (an hour away here).
     */
    @Test
    void aPodsCgroupIsPolicedAsTheKubeletMakesIt() throws Exception {
        kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("deploy").endMetadata().build()).create();
        writeDeployers("");
        Files.createDirectories(env.mounts.v2Root().resolve(env.parent).resolve("kubepods.slice/kubepods-burstable.slice"));
        Pod runner = pod("runner-1", "deployer");
        startNode("1h");
        Thread.sleep(300); // the pod is known, its cgroup not made yet
        try (WorkloadCgroup runnerCg = podCgroup(runner)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!probe(runnerCg).equals(List.of("ok", "EPERM"))) {
                assertTrue(System.nanoTime() < deadline, "the pod's cgroup policed as it appeared");
                Thread.sleep(20);
            }
        }
    }

    /**
     * An agent restarted while the API server is unreachable has no pod list: until it has one, the pods the kernel
     * polices stay policed (a missing pod may just not be listed yet), never unbound.
     */
    @Test
    void aRestartWithoutTheApiServerLeavesPodsPoliced() throws Exception {
        kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("deploy").endMetadata().build()).create();
        writeDeployers("");
        Pod runner = pod("runner-1", "deployer");
        try (WorkloadCgroup runnerCg = podCgroup(runner)) {
            startNode();
            awaitTrue(() -> probe(runnerCg).equals(List.of("ok", "EPERM")), "the deployer pod is policed");
            node.destroyForcibly().waitFor();
            api.destroy(); // the API server is gone for the restarted agent
            apiDown = true;
            startNode();
            for (int i = 0; i < 10; i++) { // passes every 200 ms
                assertEquals(List.of("ok", "EPERM"), probe(runnerCg), "still policed after the restart, pass " + i);
                Thread.sleep(200);
            }
            awaitTrue(() -> get("/q/metrics").body().lines().anyMatch(l -> l.startsWith("egret_connections_total")
                    && l.contains("workload=\"deploy/runner-1\"") && l.contains("verdict=\"deny\"") && !l.endsWith(" 0.0")),
                    "the denials counted under the pod's name as before the restart, not by cgroup id");
        }
    }

    /** Policy deployers: pods labelled app=deployer ({@code namespaces}: more of the selector) reach 127.0.0.1 and *.allowed.test. */
    private void writeDeployers(String namespaces) throws IOException {
        Files.createDirectories(tmp.resolve("policies"));
        Files.writeString(tmp.resolve("policies/deployers.yaml"), """
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: deployers}
                spec:
                  workloads: {podSelector: {matchLabels: {app: deployer}}%s}
                  egress:
                    - {toCIDR: [127.0.0.1/32], toPorts: [{port: %d}]}
                    - {toFQDNs: [{matchPattern: "*.allowed.test"}]}
                """.formatted(namespaces, server.port()));
    }

    private void startNode() throws Exception {
        startNode("200ms");
    }

    private void startNode(String reconcileInterval) throws Exception {
        Path log = tmp.resolve("node.log");
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-Degret.node.http-port=" + port, "-Degret.node.name=node-a",
                "-Degret.node.state-dir=" + tmp.resolve("state"), "-Degret.node.policy-dir=" + tmp.resolve("policies"),
                "-Degret.node.pin-dir=" + env.pinDir.resolve("node"),
                "-Degret.node.attach-cgroup=" + env.mounts.v2Root().resolve(env.parent),
                "-Degret.node.reconcile-interval=" + reconcileInterval, "-Degret.node.dns-upstreams=" + dns.upstream(),
                "-Degret.node.dns-pod-addresses=" + podNet.nodeAddress().getHostAddress(),
                "-Degret.node.pods=on", "-Degret.node.pods-cgroup-root=" + env.mounts.v2Root().resolve(env.parent),
                "-Degret.node.pods-server-side-selector=false",
                "-Dkubernetes.master=" + kube.getMasterUrl(), "-Dkubernetes.trust.certificates=true",
                "-Dkubernetes.auth.tryKubeConfig=false", "-Dkubernetes.auth.tryServiceAccount=false",
                "-Dkubernetes.namespace=default",
                "-jar", Path.of("target/egret-node.jar").toAbsolutePath().toString());
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        node = pb.start();
        awaitTrue(() -> get("/q/health/ready").statusCode() == 200, "node ready; log: " + log);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitTrue(Callable<Boolean> c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (c.call()) {
                    return;
                }
            } catch (Exception ignored) {
                // not yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what);
    }
}
