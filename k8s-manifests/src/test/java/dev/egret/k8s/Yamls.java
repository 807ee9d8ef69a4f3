package dev.egret.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.util.ArrayList;
import java.util.List;

/** YAML documents as Jackson trees, anchors and aliases expanded (as kubectl and kustomize expand them). */
final class Yamls {
    static final ObjectMapper JSON = new ObjectMapper();

    private Yamls() {
    }

    static List<JsonNode> readAll(String text) {
        List<JsonNode> out = new ArrayList<>();
        for (Object doc : new Yaml(new LoaderOptions()).loadAll(text)) {
            if (doc != null) {
                out.add(JSON.valueToTree(doc));
            }
        }
        return out;
    }

    static JsonNode read(String text) {
        List<JsonNode> docs = readAll(text);
        if (docs.size() != 1) {
            throw new IllegalArgumentException("expected one YAML document, found " + docs.size());
        }
        return docs.getFirst();
    }
}
