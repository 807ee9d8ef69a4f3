package dev.egret.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Example policies: the README's, and variations of them written here. */
final class PolicyCorpus {
    private PolicyCorpus() {
    }

    record Example(String name, JsonNode policy) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Every EgressPolicy document in the top-level README (YAML code blocks and heredocs). */
    static List<Example> readme() {
        String readme = Repo.read(Repo.root().resolve("README.md"));
        List<Example> out = new ArrayList<>();
        Matcher blocks = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        while (blocks.find()) {
            add(out, "README yaml block", blocks.group(1));
        }
        Matcher heredocs = Pattern.compile("<<'YAML'\\n(.*?)\\nYAML\\n", Pattern.DOTALL).matcher(readme);
        while (heredocs.find()) {
            add(out, "README heredoc", heredocs.group(1));
        }
        return out;
    }

    private static void add(List<Example> out, String where, String yaml) {
        for (JsonNode doc : Yamls.readAll(yaml)) {
            if ("EgressPolicy".equals(doc.path("kind").asText())) {
                out.add(new Example(where + " " + doc.path("metadata").path("name").asText(), doc));
            }
        }
    }

    /** The README's first policy, which uses every field. */
    static JsonNode full() {
        return readme().getFirst().policy().deepCopy();
    }

    /** Valid policies beyond the README's, each exercising a shape the README does not show. */
    static List<Example> moreValid() {
        return List.of(
                ex("pods by selectors", """
                        apiVersion: egret.dev/v1
                        kind: EgressPolicy
                        metadata: {name: ci-jobs, labels: {team: infra}}
                        spec:
                          mode: audit
                          workloads:
                            podSelector:
                              matchLabels: {app: ci}
                              matchExpressions:
                                - {key: tier, operator: In, values: [build, test]}
                                - {key: experimental, operator: DoesNotExist}
                            namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ci}}
                          egress:
                            - toFQDNs: [{matchPattern: "*"}]
                              toPorts: [{port: 53, protocol: UDP}, {port: 443}]
                          dns: {deniedResponse: nxdomain}
                        """),
                ex("addresses without prefix, IPv6, mapped", """
                        apiVersion: egret.dev/v1
                        kind: EgressPolicy
                        metadata: {name: addrs}
                        spec:
                          egress:
                            - toCIDR: ["10.1.2.3", "::1", "fd00::/8", "::ffff:10.0.0.0/104", "0.0.0.0/0"]
                              toPorts: [{port: 1, endPort: 65535, protocol: ANY}]
                        """),
                ex("raw sockets allowed", """
                        apiVersion: egret.dev/v1
                        kind: EgressPolicy
                        metadata: {name: netdiag}
                        spec:
                          allowRawSockets: true
                          egress: [{toCIDR: [10.0.0.0/8]}]
                        """),
                ex("an empty spec", """
                        apiVersion: egret.dev/v1
                        kind: EgressPolicy
                        metadata: {name: deny-all}
                        spec: {}
                        """),
                ex("limits as numbers, nulls as absent", """
                        apiVersion: egret.dev/v1
                        kind: EgressPolicy
                        metadata: {name: numbers}
                        spec:
                          deny: null
                          limits: {memory: 1048576, cpu: 2, pids: 1}
                          dns: {minTTL: 0, maxTTL: 0}
                          protects: ["**.corp.example", "ci-*.example.com", "x.example."]
                        """));
    }

    private static Example ex(String name, String yaml) {
        return new Example(name, Yamls.read(yaml));
    }

    /** A copy of the full example with {@code value} (YAML) set at a dotted path such as {@code spec.egress.0.toPorts}. */
    static JsonNode with(String path, String valueYaml) {
        JsonNode root = full();
        String[] parts = path.split("\\.");
        JsonNode parent = root;
        for (int i = 0; i < parts.length - 1; i++) {
            parent = parts[i].matches("\\d+") ? parent.get(Integer.parseInt(parts[i])) : parent.get(parts[i]);
        }
        String last = parts[parts.length - 1];
        JsonNode value = valueYaml == null ? null : Yamls.read("v: " + valueYaml).get("v");
        if (last.matches("\\d+")) {
            ((ArrayNode) parent).set(Integer.parseInt(last), value);
        } else if (value == null) {
            ((ObjectNode) parent).remove(last);
        } else {
            ((ObjectNode) parent).set(last, value);
        }
        return root;
    }
}
