package dev.egret.policy;

import dev.egret.policy.json.JsonSyntax;
import dev.egret.policy.json.JsonSyntaxException;
import dev.egret.policy.json.JsonValue;
import dev.egret.policy.json.JsonWriter;
import dev.egret.policy.json.YamlSyntax;
import dev.egret.policy.json.YamlWriter;

import java.util.List;
import java.util.Map;

/**
 * Reads policies from JSON or YAML (validating them) and writes them back in canonical JSON. A malformed document, or
 * an invalid policy, is a {@link PolicyValidationException} naming the fields; nothing else escapes.
 */
public final class PolicyCodec {
    private PolicyCodec() {
    }

    public static EgressPolicy parseJson(String text) {
        return fromTree(readTree(text, "JSON"), "");
    }

    public static EgressPolicy parseYaml(String text) {
        return fromTree(readTree(text, "YAML"), "");
    }

    /** Binds and validates a tree; {@code fieldPrefix} is prepended to every violation's field. */
    public static EgressPolicy fromTree(JsonValue node, String fieldPrefix) {
        return PolicyReader.read(node, fieldPrefix);
    }

    private static JsonValue readTree(String text, String format) {
        if (text == null || text.isBlank()) {
            throw new PolicyValidationException(List.of(new Violation("body", "empty document")));
        }
        try {
            JsonValue n = format.equals("YAML") ? YamlSyntax.parse(text) : JsonSyntax.parse(text);
            if (n.isNull()) {
                throw new PolicyValidationException(List.of(new Violation("body", "empty document")));
            }
            return n;
        } catch (JsonSyntaxException e) {
            String where = e.line() > 0 ? " at line " + e.line() + ", column " + e.column() : "";
            String what = e.problem().startsWith("YAML alias") ? e.problem() + where
                    : "malformed " + format + where + ": " + e.problem();
            throw new PolicyValidationException(List.of(new Violation("body", what)));
        } catch (RuntimeException e) { // a parser's own failure on hostile input: still a bad body, never a 500
            throw new PolicyValidationException(List.of(new Violation("body", "malformed " + format + ": " + e)));
        }
    }

    /** The canonical JSON text of {@link #toTree}. */
    public static String toJson(EgressPolicy p) {
        JsonWriter w = new JsonWriter();
        write(w, p);
        return w.toString();
    }

    /** The canonical form as block YAML. */
    public static String toYaml(EgressPolicy p) {
        return YamlWriter.write(toTree(p));
    }

    /** The canonical form as a tree: {@link #toJson} read back. */
    public static JsonValue toTree(EgressPolicy p) {
        return JsonSyntax.parse(toJson(p));
    }

    /**
     * The canonical form: fields in document order, defaults written out, nothing null. Except
     * {@code allowRawSockets}, written only when true: a policy that does not use it reads the same in agents that
     * predate the field.
     */
    public static void write(JsonWriter w, EgressPolicy p) {
        w.beginObject().field("apiVersion", p.apiVersion()).field("kind", p.kind());
        w.name("metadata").beginObject().field("name", p.metadata().name())
                .fieldIfPresent("resourceVersion", p.metadata().resourceVersion());
        if (!p.metadata().labels().isEmpty()) {
            w.name("labels").beginObject();
            p.metadata().labels().forEach(w::field);
            w.endObject();
        }
        w.endObject();
        PolicySpec s = p.spec();
        w.name("spec").beginObject().field("mode", s.mode().wireName());
        Workloads wl = s.workloads();
        if (!wl.cgroupPaths().isEmpty() || wl.podSelector() != null || wl.namespaceSelector() != null) {
            w.name("workloads").beginObject();
            strings(w, "cgroupPaths", wl.cgroupPaths());
            selector(w, "podSelector", wl.podSelector());
            selector(w, "namespaceSelector", wl.namespaceSelector());
            w.endObject();
        }
        rules(w, "egress", s.egress());
        rules(w, "deny", s.deny());
        strings(w, "protects", s.protects());
        if (s.allowRawSockets()) {
            w.field("allowRawSockets", true);
        }
        if (s.limits() != null) {
            w.name("limits").beginObject().fieldIfPresent("memory", s.limits().memory())
                    .fieldIfPresent("cpu", s.limits().cpu());
            if (s.limits().pids() != null) {
                w.field("pids", s.limits().pids());
            }
            w.endObject();
        }
        w.name("dns").beginObject();
        if (s.dns().minTTL() != null) {
            w.field("minTTL", s.dns().minTTL());
        }
        if (s.dns().maxTTL() != null) {
            w.field("maxTTL", s.dns().maxTTL());
        }
        w.field("deniedResponse", s.dns().deniedResponse().wireName()).endObject();
        w.endObject().endObject();
    }

    /** A list of strings, only when it has any. */
    private static void strings(JsonWriter w, String field, List<String> values) {
        if (!values.isEmpty()) {
            w.name(field).beginArray();
            values.forEach(w::value);
            w.endArray();
        }
    }

    private static void selector(JsonWriter w, String field, LabelSelector sel) {
        if (sel == null) {
            return;
        }
        w.name(field).beginObject();
        if (!sel.matchLabels().isEmpty()) {
            w.name("matchLabels").beginObject();
            for (Map.Entry<String, String> e : sel.matchLabels().entrySet()) {
                w.field(e.getKey(), e.getValue());
            }
            w.endObject();
        }
        if (!sel.matchExpressions().isEmpty()) {
            w.name("matchExpressions").beginArray();
            for (LabelSelectorRequirement r : sel.matchExpressions()) {
                w.beginObject().field("key", r.key()).field("operator", r.operator());
                strings(w, "values", r.values());
                w.endObject();
            }
            w.endArray();
        }
        w.endObject();
    }

    private static void rules(JsonWriter w, String field, List<Rule> rules) {
        if (rules.isEmpty()) {
            return;
        }
        w.name(field).beginArray();
        for (Rule r : rules) {
            w.beginObject();
            if (!r.toFQDNs().isEmpty()) {
                w.name("toFQDNs").beginArray();
                for (FqdnSelector f : r.toFQDNs()) {
                    w.beginObject();
                    if (f.matchName() != null) {
                        w.field("matchName", f.matchName());
                    } else {
                        w.field("matchPattern", f.matchPattern());
                    }
                    w.endObject();
                }
                w.endArray();
            }
            strings(w, "toCIDR", r.toCIDR());
            if (!r.toPorts().isEmpty()) {
                w.name("toPorts").beginArray();
                for (PortRule pr : r.toPorts()) {
                    w.beginObject().field("port", pr.port());
                    if (pr.endPort() != null) {
                        w.field("endPort", pr.endPort());
                    }
                    w.field("protocol", pr.protocol().name()).endObject();
                }
                w.endArray();
            }
            w.endObject();
        }
        w.endArray();
    }
}
