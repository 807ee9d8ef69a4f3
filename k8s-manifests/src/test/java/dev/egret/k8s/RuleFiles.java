package dev.egret.k8s;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The files of prometheus-rules/, read. */
final class RuleFiles {
    private RuleFiles() {
    }

    static Path rulesFile() {
        return Repo.rules().resolve("egret.rules.yaml");
    }

    static JsonNode rules() {
        return Yamls.read(Repo.read(rulesFile()));
    }

    static JsonNode prometheusRule() {
        return Yamls.read(Repo.read(Repo.rules().resolve("prometheusrule.yaml")));
    }

    static List<JsonNode> rulesOf(JsonNode groups) {
        List<JsonNode> out = new ArrayList<>();
        groups.path("groups").forEach(g -> g.path("rules").forEach(out::add));
        return out;
    }

    static List<JsonNode> alerts() {
        return rulesOf(rules()).stream().filter(r -> r.has("alert")).toList();
    }

    static List<Path> unitTests() {
        try (Stream<Path> s = Files.list(Repo.rules().resolve("tests"))) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path dashboard() {
        return Repo.rules().resolve("grafana/egret.json");
    }
}
