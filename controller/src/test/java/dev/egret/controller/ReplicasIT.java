package dev.egret.controller;

import dev.egret.controller.store.KubernetesPolicyStore;
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
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two packaged controllers with {@code egret.store=kubernetes} against one (mock) API server: a write through
 * either, or through kubectl, is served by both, a watcher on one is woken by a write on the other, and a
 * conditional write with a version the other replica replaced gets 412.
 */
class ReplicasIT {
    private static final String ADMIN = "replicas-admin-token-0123456789";

    @TempDir
    Path tmp;
    private KubernetesMockServer api;
    private KubernetesClient kubectl;
    private ControllerProcess a;
    private ControllerProcess b;

    @BeforeEach
    void setUp() throws Exception {
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        api.init();
        api.expectCustomResource(new CustomResourceDefinitionContext.Builder().withGroup("egret.dev").withVersion("v1")
                .withKind("EgressPolicy").withPlural("egresspolicies").withScope("Cluster").build());
        kubectl = api.createClient();
        Files.writeString(tmp.resolve("tokens"), ADMIN + " admin ops\n");
        String[] props = {"egret.store=kubernetes", "egret.tokens-file=" + tmp.resolve("tokens"),
                "kubernetes.master=" + kubectl.getMasterUrl(), "kubernetes.auth.tryKubeConfig=false",
                "kubernetes.auth.tryServiceAccount=false", "kubernetes.trust.certificates=true"};
        a = new ControllerProcess(tmp.resolve("a"), props).start();
        b = new ControllerProcess(tmp.resolve("b"), props).start();
    }

    @AfterEach
    void tearDown() throws Exception {
        a.close();
        b.close();
        kubectl.close();
        api.destroy();
    }

    private static String policy(int port) {
        return """
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: deploy}
                spec:
                  egress: [{toCIDR: [10.0.0.0/8], toPorts: [{port: %d}]}]
                """.formatted(port);
    }

    @Test
    void replicasServeTheSameCustomResources() throws Exception {
        // a watcher on B, at B's current version
        String rv0 = Serialization.jsonMapper().readTree(b.get("/api/v1/policies", ADMIN).body())
                .path("metadata").path("resourceVersion").asText();
        CompletableFuture<HttpResponse<String>> watch = CompletableFuture.supplyAsync(() -> {
            try {
                return b.get("/api/v1/policies?watch=true&resourceVersion=" + rv0 + "&timeoutSeconds=20", ADMIN);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);

        HttpResponse<String> put = a.send("PUT", "/api/v1/policies/deploy", ADMIN, "application/yaml", policy(443));
        assertEquals(201, put.statusCode(), put.body());
        String etag = put.headers().firstValue("ETag").orElseThrow();

        HttpResponse<String> woken = watch.get(10, TimeUnit.SECONDS);
        assertTrue(woken.body().contains("\"deploy\""), "B's watcher woken by A's write: " + woken.body());
        HttpResponse<String> onB = b.get("/api/v1/policies/deploy", ADMIN);
        assertEquals(200, onB.statusCode());
        assertEquals(etag, onB.headers().firstValue("ETag").orElseThrow(), "same object, same version");

        // B replaces it; A's conditional write on the old version fails, nothing half-applied
        HttpResponse<String> onBWrite = b.send("PUT", "/api/v1/policies/deploy", ADMIN, "application/yaml", policy(8443));
        assertEquals(200, onBWrite.statusCode(), onBWrite.body());
        HttpResponse<String> stale = a.send("PUT", "/api/v1/policies/deploy", ADMIN, "application/yaml",
                policy(9999).replace("metadata: {name: deploy}", "metadata: {name: deploy, resourceVersion: " + etag + "}"));
        assertEquals(412, stale.statusCode(), stale.body());
        GenericKubernetesResource cr = kubectl.genericKubernetesResources(KubernetesPolicyStore.EGRESS_POLICIES)
                .withName("deploy").get();
        assertTrue(Serialization.asJson(cr).contains("8443"), "the resource holds B's write");

        // kubectl apply is served by both replicas
        kubectl.genericKubernetesResources(KubernetesPolicyStore.EGRESS_POLICIES).resource(Serialization.unmarshal("""
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: applied}
                spec: {mode: audit}
                """, GenericKubernetesResource.class)).create();
        for (ControllerProcess c : new ControllerProcess[]{a, b}) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (c.get("/api/v1/policies/applied", ADMIN).statusCode() != 200) {
                assertTrue(System.nanoTime() < deadline, "replica serves what kubectl applied");
                Thread.sleep(50);
            }
        }
    }
}
