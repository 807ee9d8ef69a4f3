package dev.egret.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** The objects of one rendered kustomization, read with the fabric8 model, and as plain trees. */
record Manifests(List<HasMetadata> items, List<JsonNode> raw) {
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    /** kustomize's configMapGenerator appends "-" and a 10-character hash of the content. */
    private static final Pattern HASH_SUFFIX = Pattern.compile("-[a-z0-9]{10}$");

    static Manifests parse(String yaml) {
        Object parsed = SERIALIZATION.unmarshal(yaml);
        if (!(parsed instanceof List<?> list)) {
            return fail("expected several objects, got " + parsed);
        }
        return new Manifests(list.stream().map(HasMetadata.class::cast).toList(), Yamls.readAll(yaml));
    }

    static String key(HasMetadata o) {
        return o.getKind() + "/" + o.getMetadata().getName();
    }

    <T extends HasMetadata> T one(Class<T> type, String name) {
        List<T> found = items.stream().filter(type::isInstance).map(type::cast)
                .filter(o -> o.getMetadata().getName().equals(name)).toList();
        assertEquals(1, found.size(), () -> "expected one " + type.getSimpleName() + " named " + name + " in "
                + items.stream().map(Manifests::key).toList());
        return found.getFirst();
    }

    GenericKubernetesResource generic(String kind, String name) {
        List<GenericKubernetesResource> found = items.stream().filter(GenericKubernetesResource.class::isInstance)
                .map(GenericKubernetesResource.class::cast)
                .filter(o -> o.getKind().equals(kind) && o.getMetadata().getName().equals(name)).toList();
        assertEquals(1, found.size(), () -> "expected one " + kind + " named " + name);
        return found.getFirst();
    }

    /** A ConfigMap of a configMapGenerator, by the name the generator was given (without the hash suffix). */
    ConfigMap generated(String name) {
        List<ConfigMap> found = items.stream().filter(ConfigMap.class::isInstance).map(ConfigMap.class::cast)
                .filter(c -> HASH_SUFFIX.matcher(c.getMetadata().getName()).replaceFirst("").equals(name)).toList();
        assertEquals(1, found.size(), () -> "expected one generated ConfigMap " + name);
        return found.getFirst();
    }

    /**
     * Every object as JSON keyed by kind/name, with generated names replaced by the generators' names: two renders
     * compare equal when they differ only in the content hashes of their ConfigMaps.
     */
    Map<String, String> normalized() {
        Map<String, String> renames = new TreeMap<>();
        for (HasMetadata o : items) {
            String n = o.getMetadata().getName();
            if (o instanceof ConfigMap && HASH_SUFFIX.matcher(n).find()) {
                renames.put(n, HASH_SUFFIX.matcher(n).replaceFirst(""));
            }
        }
        Map<String, String> out = new TreeMap<>();
        for (HasMetadata o : items) {
            String json = SERIALIZATION.asJson(o);
            for (var e : renames.entrySet()) {
                json = json.replace("\"" + e.getKey() + "\"", "\"" + e.getValue() + "\"");
            }
            String name = renames.getOrDefault(o.getMetadata().getName(), o.getMetadata().getName());
            out.put(o.getKind() + "/" + name, json);
        }
        return out;
    }
}
