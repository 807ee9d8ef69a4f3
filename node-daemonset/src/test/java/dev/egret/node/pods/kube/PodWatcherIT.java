package dev.egret.node.pods.kube;

import dev.egret.node.pods.PodInfo;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pod watch against the fabric8 mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class PodWatcherIT {
    static KubernetesClient client;
    static KubernetesMockServer server;

    private static Pod pod(String ns, String name, String node, Map<String, String> labels) {
        return new PodBuilder().withNewMetadata().withNamespace(ns).withName(name).withLabels(labels).endMetadata()
                .withNewSpec().withNodeName(node).endSpec().withNewStatus().withPhase("Running").endStatus().build();
    }

    private static void await(BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void followsThePodsOfItsOwnNodeAndNamespaceLabels() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("deploy")
                .withLabels(Map.of("team", "sre")).endMetadata().build()).create();
        client.pods().inNamespace("deploy").resource(pod("deploy", "runner-1", "node-a", Map.of("app", "deployer"))).create();
        client.pods().inNamespace("deploy").resource(pod("deploy", "elsewhere", "node-b", Map.of("app", "deployer"))).create();
        AtomicInteger changes = new AtomicInteger();
        try (PodWatcher w = new PodWatcher(client, "node-a", false, changes::incrementAndGet)) {
            assertTrue(w.awaitSynced(10, TimeUnit.SECONDS));
            assertEquals(List.of("deploy/runner-1"), w.pods().stream().map(PodInfo::workload).toList());
            assertEquals(Map.of("team", "sre"), w.namespaceLabels().get("deploy"));

            int before = changes.get();
            client.pods().inNamespace("deploy").resource(pod("deploy", "runner-2", "node-a", Map.of("app", "deployer"))).create();
            await(() -> w.pods().size() == 2, "a new pod on this node");
            await(() -> changes.get() > before, "a change is signalled");

            client.pods().inNamespace("deploy").withName("runner-1").edit(p -> new PodBuilder(p).editMetadata()
                    .addToLabels("app", "web").endMetadata().build());
            await(() -> w.pods().stream().anyMatch(p -> p.name().equals("runner-1") && p.labels().get("app").equals("web")),
                    "relabelled pod");

            client.pods().inNamespace("deploy").withName("runner-2").edit(p -> new PodBuilder(p).editStatus()
                    .withPhase("Succeeded").endStatus().build());
            await(() -> w.pods().size() == 1, "a finished pod is no workload");

            client.pods().inNamespace("deploy").withName("runner-1").delete();
            await(() -> w.pods().isEmpty(), "a deleted pod is gone");
        }
    }

    @Test
    void asksTheApiServerForItsOwnNodesPodsOnly() throws Exception {
        try (PodWatcher w = new PodWatcher(client, "node-a", () -> { })) {
            w.awaitSynced(5, TimeUnit.SECONDS);
        }
        List<String> paths = new java.util.ArrayList<>();
        for (RecordedRequest r; (r = server.takeRequest(200, TimeUnit.MILLISECONDS)) != null; ) {
            paths.add(r.getPath());
        }
        boolean selected = paths.stream().anyMatch(p -> p.startsWith("/api/v1/pods")
                && java.net.URLDecoder.decode(p, java.nio.charset.StandardCharsets.UTF_8).contains("fieldSelector=spec.nodeName=node-a"));
        assertTrue(selected, "the pod list and watch carry the node's field selector: " + paths);
    }
}
