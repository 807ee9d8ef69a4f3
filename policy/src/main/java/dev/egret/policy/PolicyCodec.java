package dev.egret.policy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

import java.util.List;
import java.util.Map;

/** Reads policies from JSON or YAML (validating them) and writes them back in canonical form. */
public final class PolicyCodec {
    private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private PolicyCodec() {
    }

    public static EgressPolicy parseJson(String text) {
        return fromTree(readTree(JSON, text, "JSON"), "");
    }

    public static EgressPolicy parseYaml(String text) {
        return fromTree(readTree(YAML, text, "YAML"), "");
    }

    /** Binds and validates a tree; {@code fieldPrefix} is prepended to every violation's field. */
    public static EgressPolicy fromTree(JsonNode node, String fieldPrefix) {
        return PolicyReader.read(node, fieldPrefix);
    }

    private static JsonNode readTree(ObjectMapper mapper, String text, String format) {
        if (text == null || text.isBlank()) {
            throw new PolicyValidationException(List.of(new Violation("body", "empty document")));
        }
        try {
            if (mapper == YAML) {
                rejectAliases(text);
            }
            JsonNode n = mapper.readTree(text);
            if (n == null || n.isMissingNode()) {
                throw new PolicyValidationException(List.of(new Violation("body", "empty document")));
            }
            return n;
        } catch (PolicyValidationException e) {
            throw e;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr();
            String what = e.getOriginalMessage();
            if (what != null && what.startsWith("Trailing token")) {
                what = "more than one document, or data after the document";
            }
            throw new PolicyValidationException(List.of(new Violation("body", "malformed " + format + where + ": " + what)));
        } catch (java.io.IOException | RuntimeException e) {
            // SnakeYAML and Jackson can fail on hostile input with unchecked exceptions
            throw new PolicyValidationException(List.of(new Violation("body", "malformed " + format + ": " + e.getMessage())));
        }
    }

    /**
     * Jackson reads a YAML alias ({@code *name}) as the literal string {@code name}, not as the node it refers to: a
     * policy written with anchors would silently mean something else, so aliases are refused. A body of more than one
     * document, or with anything after its document, is refused too ({@code FAIL_ON_TRAILING_TOKENS}).
     */
    private static void rejectAliases(String text) throws java.io.IOException {
        try (JsonParser p = YAML.createParser(text)) {
            YAMLParser y = (YAMLParser) p;
            for (JsonToken t = y.nextToken(); t != null; t = y.nextToken()) {
                if (y.isCurrentAlias()) {
                    throw new PolicyValidationException(List.of(new Violation("body", "YAML alias '*" + y.getText()
                            + "' at line " + y.currentLocation().getLineNr()
                            + " is not supported: write the value out (anchors and aliases would be read as plain strings)")));
                }
            }
        }
    }

    public static String toJson(EgressPolicy p) {
        return toTree(p).toString();
    }

    public static String toYaml(EgressPolicy p) {
        try {
            return YAML.writeValueAsString(toTree(p));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The canonical tree: fields in document order, defaults written out, nothing null. Except
     * {@code allowRawSockets}, written only when true: a policy that does not use it reads the same in agents that
     * predate the field.
     */
    public static JsonNode toTree(EgressPolicy p) {
        ObjectNode root = JSON.createObjectNode();
        root.put("apiVersion", p.apiVersion());
        root.put("kind", p.kind());
        ObjectNode meta = root.putObject("metadata");
        meta.put("name", p.metadata().name());
        if (p.metadata().resourceVersion() != null) {
            meta.put("resourceVersion", p.metadata().resourceVersion());
        }
        if (!p.metadata().labels().isEmpty()) {
            ObjectNode labels = meta.putObject("labels");
            p.metadata().labels().forEach(labels::put);
        }
        PolicySpec s = p.spec();
        ObjectNode spec = root.putObject("spec");
        spec.put("mode", s.mode().wireName());
        Workloads w = s.workloads();
        if (!w.cgroupPaths().isEmpty() || w.podSelector() != null || w.namespaceSelector() != null) {
            ObjectNode wn = spec.putObject("workloads");
            if (!w.cgroupPaths().isEmpty()) {
                ArrayNode a = wn.putArray("cgroupPaths");
                w.cgroupPaths().forEach(a::add);
            }
            selector(wn, "podSelector", w.podSelector());
            selector(wn, "namespaceSelector", w.namespaceSelector());
        }
        rules(spec, "egress", s.egress());
        rules(spec, "deny", s.deny());
        if (!s.protects().isEmpty()) {
            ArrayNode a = spec.putArray("protects");
            s.protects().forEach(a::add);
        }
        if (s.allowRawSockets()) {
            spec.put("allowRawSockets", true);
        }
        if (s.limits() != null) {
            ObjectNode l = spec.putObject("limits");
            if (s.limits().memory() != null) {
                l.put("memory", s.limits().memory());
            }
            if (s.limits().cpu() != null) {
                l.put("cpu", s.limits().cpu());
            }
            if (s.limits().pids() != null) {
                l.put("pids", s.limits().pids());
            }
        }
        ObjectNode dns = spec.putObject("dns");
        if (s.dns().minTTL() != null) {
            dns.put("minTTL", s.dns().minTTL());
        }
        if (s.dns().maxTTL() != null) {
            dns.put("maxTTL", s.dns().maxTTL());
        }
        dns.put("deniedResponse", s.dns().deniedResponse().wireName());
        return root;
    }

    private static void selector(ObjectNode parent, String field, LabelSelector sel) {
        if (sel == null) {
            return;
        }
        ObjectNode n = parent.putObject(field);
        if (!sel.matchLabels().isEmpty()) {
            ObjectNode ml = n.putObject("matchLabels");
            for (Map.Entry<String, String> e : sel.matchLabels().entrySet()) {
                ml.put(e.getKey(), e.getValue());
            }
        }
        if (!sel.matchExpressions().isEmpty()) {
            ArrayNode a = n.putArray("matchExpressions");
            for (LabelSelectorRequirement r : sel.matchExpressions()) {
                ObjectNode rn = a.addObject().put("key", r.key()).put("operator", r.operator());
                if (!r.values().isEmpty()) {
                    ArrayNode v = rn.putArray("values");
                    r.values().forEach(v::add);
                }
            }
        }
    }

    private static void rules(ObjectNode spec, String field, List<Rule> rules) {
        if (rules.isEmpty()) {
            return;
        }
        ArrayNode a = spec.putArray(field);
        for (Rule r : rules) {
            ObjectNode rn = a.addObject();
            if (!r.toFQDNs().isEmpty()) {
                ArrayNode f = rn.putArray("toFQDNs");
                for (FqdnSelector s : r.toFQDNs()) {
                    ObjectNode sn = f.addObject();
                    if (s.matchName() != null) {
                        sn.put("matchName", s.matchName());
                    } else {
                        sn.put("matchPattern", s.matchPattern());
                    }
                }
            }
            if (!r.toCIDR().isEmpty()) {
                ArrayNode c = rn.putArray("toCIDR");
                r.toCIDR().forEach(c::add);
            }
            if (!r.toPorts().isEmpty()) {
                ArrayNode ports = rn.putArray("toPorts");
                for (PortRule p : r.toPorts()) {
                    ObjectNode pn = ports.addObject().put("port", p.port());
                    if (p.endPort() != null) {
                        pn.put("endPort", p.endPort());
                    }
                    pn.put("protocol", p.protocol().name());
                }
            }
        }
    }
}
