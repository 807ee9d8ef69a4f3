package dev.egret.controller.store;

import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The custom-resource store against the fabric8 mock API server in CRUD mode, with two replicas and kubectl. */
class KubernetesPolicyStoreIT {
    private KubernetesMockServer api;
    private KubernetesClient kubectl;
    private KubernetesClient clientA;
    private KubernetesClient clientB;
    private KubernetesPolicyStore a;
    private KubernetesPolicyStore b;
    private final AtomicInteger bChanges = new AtomicInteger();

    @BeforeEach
    void setUp() {
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        api.init();
        api.expectCustomResource(new CustomResourceDefinitionContext.Builder().withGroup("egret.dev").withVersion("v1")
                .withKind("EgressPolicy").withPlural("egresspolicies").withScope("Cluster").build());
        kubectl = api.createClient();
        clientA = api.createClient();
        clientB = api.createClient();
        a = new KubernetesPolicyStore(clientA, Clock.systemUTC(), () -> { });
        b = new KubernetesPolicyStore(clientB, Clock.systemUTC(), bChanges::incrementAndGet);
    }

    @AfterEach
    void tearDown() {
        a.close();
        b.close();
        clientA.close();
        clientB.close();
        kubectl.close();
        api.destroy();
    }

    private static EgressPolicy policy(String name, int port) {
        return PolicyCodec.parseYaml("""
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: %s, labels: {team: sre}}
                spec:
                  workloads: {podSelector: {matchLabels: {app: deployer}}}
                  egress: [{toFQDNs: [{matchPattern: "*.example.com"}], toPorts: [{port: %d, protocol: TCP}]}]
                  protects: [github.com]
                """.formatted(name, port));
    }

    private static void await(BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void roundTripsThroughCustomResources() {
        WriteResult created = a.put(policy("deploy", 443), null, "alice");
        assertTrue(created.created());
        EgressPolicy read = a.get("deploy").orElseThrow();
        assertEquals(policy("deploy", 443).spec(), read.spec(), "what is read is what was written");
        assertEquals(Long.toString(created.newVersion()), read.metadata().resourceVersion());
        assertEquals(created.newVersion(), a.resourceVersion());

        GenericKubernetesResource cr = kubectl.genericKubernetesResources(KubernetesPolicyStore.EGRESS_POLICIES)
                .withName("deploy").get();
        assertEquals("alice", cr.getMetadata().getAnnotations().get(KubernetesPolicyStore.CHANGED_BY));
        assertEquals("sre", cr.getMetadata().getLabels().get("team"));

        WriteResult updated = a.put(policy("deploy", 8443), Precondition.version(created.newVersion()), "bob");
        assertEquals(created.newVersion(), updated.oldVersion());
        assertTrue(updated.newVersion() > created.newVersion());
        assertThrows(PreconditionFailedException.class,
                () -> a.put(policy("deploy", 1), Precondition.version(created.newVersion()), "carol"), "stale If-Match");
        assertEquals(8443, a.get("deploy").orElseThrow().spec().egress().get(0).toPorts().get(0).port());

        assertThrows(PreconditionFailedException.class, () -> a.delete("deploy", Precondition.version(1), "dave"));
        assertTrue(a.delete("deploy", Precondition.version(updated.newVersion()), "dave").isPresent());
        assertEquals(List.of(), a.list());
        assertTrue(a.delete("deploy", null, "dave").isEmpty());
        assertEquals(List.of("create", "update", "delete"), a.changes().stream().map(ChangeRecord::action).toList());
        assertEquals(List.of("alice", "bob", "dave"), a.changes().stream().map(ChangeRecord::subject).toList());
    }

    @Test
    void replicasSeeEachOthersWritesAndConflict() throws Exception {
        WriteResult w = a.put(policy("deploy", 443), null, "alice");
        await(() -> b.get("deploy").isPresent(), "replica B sees replica A's write");
        await(() -> bChanges.get() > 0 && b.resourceVersion() >= w.newVersion(),
                "B's version moves and its watchers are woken");

        b.put(policy("deploy", 8443), Precondition.version(w.newVersion()), "bob");
        assertThrows(PreconditionFailedException.class,
                () -> a.put(policy("deploy", 1), Precondition.version(w.newVersion()), "alice"),
                "A's conditional write on a version B replaced fails");
        await(() -> a.get("deploy").map(p -> p.spec().egress().get(0).toPorts().get(0).port() == 8443).orElse(false),
                "A sees B's write");
    }

    @Test
    void kubectlAppliedResourcesAreServedAndInvalidOnesIgnored() throws Exception {
        kubectl.genericKubernetesResources(KubernetesPolicyStore.EGRESS_POLICIES).resource(Serialization.unmarshal("""
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata:
                  name: from-kubectl
                  annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}"}
                  finalizers: [egret.dev/keep]
                spec:
                  mode: audit
                  egress: [{toCIDR: [10.0.0.0/8]}]
                """, GenericKubernetesResource.class)).create();
        kubectl.genericKubernetesResources(KubernetesPolicyStore.EGRESS_POLICIES).resource(Serialization.unmarshal("""
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: broken}
                spec: {egress: [{toCIDR: [not-a-cidr]}]}
                """, GenericKubernetesResource.class)).create();
        await(() -> a.get("from-kubectl").isPresent(), "the REST store sees what kubectl applied");
        assertEquals("audit", a.get("from-kubectl").orElseThrow().spec().mode().name().toLowerCase());
        await(() -> a.cachedNames().contains("broken"), "informer has the broken one");
        assertEquals(List.of("from-kubectl"), a.list().stream().map(EgressPolicy::name).toList(),
                "a resource that is not a valid policy is left out, not half-read");
        assertEquals("kubernetes", a.changes().get(a.changes().size() - 1).subject());
    }

    private Map<?, ?> validCondition(String name) {
        GenericKubernetesResource r = kubectl.genericKubernetesResources(KubernetesPolicyStore.EGRESS_POLICIES)
                .withName(name).get();
        return r == null ? null : ValidityStatus.condition(r.getAdditionalProperties().get("status"));
    }

    @Test
    void anInvalidResourceSaysWhyInItsStatusUntilItIsFixed() throws Exception {
        var policies = kubectl.genericKubernetesResources(KubernetesPolicyStore.EGRESS_POLICIES);
        policies.resource(Serialization.unmarshal("""
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: broken}
                spec: {egress: [{toCIDR: [not-a-cidr]}]}
                """, GenericKubernetesResource.class)).create();
        await(() -> validCondition("broken") != null, "a Valid condition on the broken resource");
        Map<?, ?> c = validCondition("broken");
        assertEquals("False", c.get("status"));
        assertEquals("InvalidPolicy", c.get("reason"));
        assertTrue(String.valueOf(c.get("message")).contains("not-a-cidr"), "the message names the bad value: " + c);
        assertTrue(a.get("broken").isEmpty());

        GenericKubernetesResource fixed = policies.withName("broken").get();
        fixed.setAdditionalProperty("spec", Map.of("egress", List.of(Map.of("toCIDR", List.of("10.0.0.0/8")))));
        policies.resource(fixed).update();
        await(() -> validCondition("broken") != null && "True".equals(validCondition("broken").get("status")),
                "the condition turns True once the spec is valid");
        await(() -> a.get("broken").isPresent(), "the fixed policy is served");
    }

    @Test
    void aPolicyWrittenThroughTheStoreKeepsItsVersionNoStatusWriteMovesIt() throws Exception {
        WriteResult w = a.put(policy("deploy", 443), null, "alice");
        Thread.sleep(500); // time for any status write to land
        assertEquals(null, validCondition("deploy"), "a valid policy gets no status write");
        WriteResult again = a.put(policy("deploy", 8443), Precondition.version(w.newVersion()), "alice");
        assertTrue(again.newVersion() > w.newVersion());
    }

    @Test
    void aRestWriteThatFixesAnInvalidResourceReturnsItsFinalVersion() throws Exception {
        kubectl.genericKubernetesResources(KubernetesPolicyStore.EGRESS_POLICIES).resource(Serialization.unmarshal("""
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: deploy}
                spec: {egress: [{toCIDR: [not-a-cidr]}]}
                """, GenericKubernetesResource.class)).create();
        await(() -> validCondition("deploy") != null, "the error is shown");
        WriteResult w = a.put(policy("deploy", 443), null, "alice");
        assertEquals("True", validCondition("deploy").get("status"), "the fix cleared the error");
        Thread.sleep(500); // time for any further status write
        WriteResult again = a.put(policy("deploy", 8443), Precondition.version(w.newVersion()), "alice");
        assertTrue(again.newVersion() > w.newVersion(), "the version the fix returned still holds");
    }
}
