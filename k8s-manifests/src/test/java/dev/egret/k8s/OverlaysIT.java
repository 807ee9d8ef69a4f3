package dev.egret.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The overlays change what they are for and nothing else. */
class OverlaysIT {
    static Manifests base;

    @BeforeAll
    static void render() {
        base = Kustomize.render(".");
    }

    /** kind/name of the objects an overlay adds, removes or changes. */
    private static Set<String> changed(Manifests overlay) {
        Map<String, String> a = base.normalized();
        Map<String, String> b = overlay.normalized();
        Set<String> out = new TreeSet<>();
        Set<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String k : keys) {
            if (!a.getOrDefault(k, "").equals(b.getOrDefault(k, ""))) {
                out.add(k);
            }
        }
        return out;
    }

    private static Map<String, String> diff(ConfigMap before, ConfigMap after) {
        Map<String, String> out = new HashMap<>();
        after.getData().forEach((k, v) -> {
            if (!v.equals(before.getData().get(k))) {
                out.put(k, v);
            }
        });
        before.getData().keySet().forEach(k -> {
            if (!after.getData().containsKey(k)) {
                out.put(k, null);
            }
        });
        return out;
    }

    @Test
    void kafkaOverlaySendsAuditEventsOverKafka() {
        Manifests kafka = Kustomize.render("overlays/kafka");
        assertEquals(Set.of("ConfigMap/egret-controller-config", "ConfigMap/egret-node-config",
                "Deployment/egret-controller"), changed(kafka));
        Deployment scaled = kafka.one(Deployment.class, "egret-controller");
        assertEquals(2, scaled.getSpec().getReplicas(), "with Kafka every replica holds every event: scale out");
        for (String config : new String[]{"egret-node-config", "egret-controller-config"}) {
            Map<String, String> d = diff(base.generated(config), kafka.generated(config));
            assertEquals(Set.of("egret.events.transport", "kafka.bootstrap.servers", "egret.events.kafka.bootstrap-servers",
                    "egret.events.kafka-topic"), d.keySet(), config);
            assertEquals("kafka", d.get("egret.events.transport"));
            assertEquals("egret.audit", d.get("egret.events.kafka-topic"));
            assertTrue(d.get("kafka.bootstrap.servers").matches("[^,:\\s]+:\\d+(,[^,:\\s]+:\\d+)*"), d.toString());
            assertEquals(d.get("kafka.bootstrap.servers"), d.get("egret.events.kafka.bootstrap-servers"),
                    "the node's and the controller's key name the same brokers");
        }
        // the pods roll when the configuration changes: their ConfigMap names carry the content hash
        String before = BaseManifestsIT.nodeDaemonSet(base).getSpec().getTemplate().getSpec().getContainers()
                .getFirst().getEnvFrom().getFirst().getConfigMapRef().getName();
        String after = BaseManifestsIT.nodeDaemonSet(kafka).getSpec().getTemplate().getSpec().getContainers()
                .getFirst().getEnvFrom().getFirst().getConfigMapRef().getName();
        assertFalse(before.equals(after));
        assertEquals(kafka.generated("egret-node-config").getMetadata().getName(), after);
    }

    @Test
    void singleNodeOverlayRunsOneControllerWithAFileStore() {
        Manifests single = Kustomize.render("overlays/single-node");
        assertEquals(Set.of("ConfigMap/egret-controller-config", "Deployment/egret-controller",
                "PersistentVolumeClaim/egret-controller-data", "PodDisruptionBudget/egret-controller"), changed(single));

        assertEquals(Map.of("egret.store", "file"),
                diff(base.generated("egret-controller-config"), single.generated("egret-controller-config")));
        assertFalse(single.items().stream().anyMatch(o -> o.getKind().equals("PodDisruptionBudget")),
                "a budget of one available replica out of one would block node drains");

        Deployment d = BaseManifestsIT.controller(single);
        assertEquals(1, d.getSpec().getReplicas());
        assertEquals("Recreate", d.getSpec().getStrategy().getType(), "one writer of the file store at a time");
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        assertTrue(pod.getNodeSelector() == null || pod.getNodeSelector().isEmpty());
        assertNull(pod.getAffinity());
        assertTrue(pod.getTolerations() == null || pod.getTolerations().isEmpty());

        PersistentVolumeClaim pvc = single.one(PersistentVolumeClaim.class, "egret-controller-data");
        assertEquals("egret-system", pvc.getMetadata().getNamespace());
        String dataDir = single.generated("egret-controller-config").getData().get("egret.data-dir");
        String volume = BaseManifestsIT.mountsByPath(pod.getContainers().getFirst()).get(dataDir).getName();
        Volume v = BaseManifestsIT.volumesByName(pod).get(volume);
        assertEquals(pvc.getMetadata().getName(), v.getPersistentVolumeClaim().getClaimName());
        assertNull(v.getEmptyDir(), "the data volume is the claim alone");
    }
}
