package dev.egret.policy;

import dev.egret.policy.json.JsonValue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * Binds a JSON/YAML tree to the policy model, validating as it goes and collecting every violation with the
 * path of the field it concerns. Unknown fields and wrong types are violations too.
 */
final class PolicyReader {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private final List<Violation> violations = new ArrayList<>();
    private final String prefix;

    private PolicyReader(String prefix) {
        this.prefix = prefix;
    }

    static EgressPolicy read(JsonValue root, String prefix) {
        PolicyReader r = new PolicyReader(prefix == null ? "" : prefix);
        EgressPolicy p = r.policy(root);
        if (!r.violations.isEmpty()) {
            throw new PolicyValidationException(r.violations);
        }
        return p;
    }

    private void bad(String path, String message) {
        violations.add(new Violation(prefix + path, message));
    }

    private EgressPolicy policy(JsonValue n) {
        if (n == null || n.isNull()) {
            bad("body", "empty document: expected an EgressPolicy");
            return null;
        }
        if (!object(n, "", Set.of("apiVersion", "kind", "metadata", "spec"))) {
            return null;
        }
        String api = string(n, "", "apiVersion", true);
        if (api != null && !api.equals(EgressPolicy.API_VERSION)) {
            bad("apiVersion", "must be " + EgressPolicy.API_VERSION + ", not '" + api + "'");
        }
        String kind = string(n, "", "kind", true);
        if (kind != null && !kind.equals(EgressPolicy.KIND)) {
            bad("kind", "must be " + EgressPolicy.KIND + ", not '" + kind + "'");
        }
        Metadata meta = metadata(n.get("metadata"));
        PolicySpec spec = spec(n.get("spec"));
        return violations.isEmpty() ? new EgressPolicy(api, kind, meta, spec) : null;
    }

    private Metadata metadata(JsonValue n) {
        if (n == null) {
            bad("metadata", "required");
            return null;
        }
        if (!object(n, "metadata", Set.of("name", "resourceVersion", "labels", "annotations", "namespace", "uid",
                "generation", "creationTimestamp"))) {
            return null;
        }
        String name = string(n, "metadata", "name", true);
        if (name != null && (name.length() > 63 || !DNS_LABEL.matcher(name).matches())) {
            bad("metadata.name", "'" + name + "' is not a DNS-1123 label (lower-case letters, digits and '-', "
                    + "at most 63 characters, alphanumeric at both ends)");
        }
        JsonValue rvNode = n.get("resourceVersion");
        String rv = null;
        if (rvNode != null && !rvNode.isNull()) {
            if (rvNode.isTextual() || rvNode.isIntegralNumber()) {
                rv = rvNode.asText();
            } else {
                bad("metadata.resourceVersion", "expected a string");
            }
        }
        Map<String, String> labels = stringMap(n.get("labels"), "metadata.labels");
        return new Metadata(name, rv, labels);
    }

    private PolicySpec spec(JsonValue n) {
        if (n == null) {
            bad("spec", "required");
            return null;
        }
        if (!object(n, "spec", Set.of("mode", "workloads", "egress", "deny", "protects", "allowRawSockets",
                "limits", "dns"))) {
            return null;
        }
        Mode mode = enumValue(n, "spec", "mode", Mode.class);
        Workloads workloads = workloads(n.get("workloads"));
        List<Rule> egress = list(n.get("egress"), "spec.egress", this::rule);
        List<Rule> deny = list(n.get("deny"), "spec.deny", this::rule);
        List<String> protects = list(n.get("protects"), "spec.protects", (e, p) -> pattern(e, p));
        Boolean allowRaw = bool(n, "spec", "allowRawSockets");
        Limits limits = limits(n.get("limits"));
        DnsSettings dns = dns(n.get("dns"));
        return new PolicySpec(mode, workloads, egress, deny, protects, Boolean.TRUE.equals(allowRaw), limits, dns);
    }

    private Workloads workloads(JsonValue n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!object(n, "spec.workloads", Set.of("cgroupPaths", "podSelector", "namespaceSelector"))) {
            return null;
        }
        List<String> paths = list(n.get("cgroupPaths"), "spec.workloads.cgroupPaths", this::cgroupGlob);
        return new Workloads(paths, selector(n.get("podSelector"), "spec.workloads.podSelector"),
                selector(n.get("namespaceSelector"), "spec.workloads.namespaceSelector"));
    }

    private String cgroupGlob(JsonValue n, String path) {
        String s = text(n, path);
        if (s == null) {
            return null;
        }
        if (s.isBlank()) {
            bad(path, "empty cgroup path");
        } else if (s.startsWith("/")) {
            bad(path, "'" + s + "' must be relative to the cgroup2 root (no leading '/')");
        } else {
            for (String seg : s.split("/", -1)) {
                if (seg.isEmpty() || seg.equals("..") || seg.equals(".")) {
                    bad(path, "'" + s + "' has an empty, '.' or '..' segment");
                    break;
                }
            }
        }
        return s;
    }

    private LabelSelector selector(JsonValue n, String path) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!object(n, path, Set.of("matchLabels", "matchExpressions"))) {
            return null;
        }
        Map<String, String> labels = stringMap(n.get("matchLabels"), path + ".matchLabels");
        List<LabelSelectorRequirement> exprs = list(n.get("matchExpressions"), path + ".matchExpressions",
                (e, p) -> {
                    if (!object(e, p, Set.of("key", "operator", "values"))) {
                        return null;
                    }
                    String key = string(e, p, "key", true);
                    String op = string(e, p, "operator", true);
                    if (op != null && !LabelSelectorRequirement.OPERATORS.contains(op)) {
                        bad(p + ".operator", "'" + op + "' is not one of " + LabelSelectorRequirement.OPERATORS);
                    }
                    List<String> values = list(e.get("values"), p + ".values", this::text);
                    if (op != null && (op.equals("In") || op.equals("NotIn")) && values.isEmpty()) {
                        bad(p + ".values", "required for operator " + op);
                    }
                    return new LabelSelectorRequirement(key, op, values);
                });
        return new LabelSelector(labels, exprs);
    }

    private Rule rule(JsonValue n, String path) {
        if (!object(n, path, Set.of("toFQDNs", "toCIDR", "toPorts"))) {
            return null;
        }
        List<FqdnSelector> fqdns = list(n.get("toFQDNs"), path + ".toFQDNs", this::fqdn);
        List<String> cidrs = list(n.get("toCIDR"), path + ".toCIDR", this::cidr);
        List<PortRule> ports = list(n.get("toPorts"), path + ".toPorts", this::port);
        if (fqdns.isEmpty() && cidrs.isEmpty() && !hasAny(n, "toFQDNs", "toCIDR")) {
            bad(path, "a rule needs toFQDNs or toCIDR");
        }
        return new Rule(fqdns, cidrs, ports);
    }

    private static boolean hasAny(JsonValue n, String... fields) {
        for (String f : fields) {
            JsonValue v = n.get(f);
            if (v != null && v.isArray() && v.size() > 0) {
                return true;
            }
        }
        return false;
    }

    private FqdnSelector fqdn(JsonValue n, String path) {
        if (!object(n, path, Set.of("matchName", "matchPattern"))) {
            return null;
        }
        String name = string(n, path, "matchName", false);
        String pattern = string(n, path, "matchPattern", false);
        if ((name == null) == (pattern == null)) {
            bad(path, "give exactly one of matchName or matchPattern");
            return null;
        }
        if (name != null) {
            try {
                NamePattern.exact(name);
            } catch (IllegalArgumentException e) {
                bad(path + ".matchName", e.getMessage());
            }
            return FqdnSelector.name(name);
        }
        try {
            NamePattern.compile(pattern);
        } catch (IllegalArgumentException e) {
            bad(path + ".matchPattern", e.getMessage());
        }
        return FqdnSelector.pattern(pattern);
    }

    private String pattern(JsonValue n, String path) {
        String s = text(n, path);
        if (s != null) {
            try {
                NamePattern.compile(s);
            } catch (IllegalArgumentException e) {
                bad(path, e.getMessage());
            }
        }
        return s;
    }

    private String cidr(JsonValue n, String path) {
        String s = text(n, path);
        if (s != null) {
            try {
                Cidr.parse(s);
                return s.strip();
            } catch (IllegalArgumentException e) {
                bad(path, "invalid CIDR: " + e.getMessage());
            }
        }
        return s;
    }

    private PortRule port(JsonValue n, String path) {
        if (!object(n, path, Set.of("port", "endPort", "protocol"))) {
            return null;
        }
        Integer port = integer(n, path, "port", true);
        Integer end = integer(n, path, "endPort", false);
        Protocol proto = enumValue(n, path, "protocol", Protocol.class);
        if (port != null && (port < 1 || port > 65535)) {
            bad(path + ".port", port + " is out of range 1-65535");
        }
        if (end != null && (end < 1 || end > 65535)) {
            bad(path + ".endPort", end + " is out of range 1-65535");
        } else if (end != null && port != null && end < port) {
            bad(path + ".endPort", end + " is below port " + port);
        }
        return new PortRule(port == null ? 0 : port, end, proto);
    }

    private Limits limits(JsonValue n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!object(n, "spec.limits", Set.of("memory", "cpu", "pids"))) {
            return null;
        }
        String memory = scalarText(n, "spec.limits", "memory");
        String cpu = scalarText(n, "spec.limits", "cpu");
        Integer pids = integer(n, "spec.limits", "pids", false);
        if (memory != null) {
            try {
                Quantity.parseBytes(memory);
            } catch (IllegalArgumentException e) {
                bad("spec.limits.memory", e.getMessage());
            }
        }
        if (cpu != null) {
            try {
                Quantity.parseMillicores(cpu);
            } catch (IllegalArgumentException e) {
                bad("spec.limits.cpu", e.getMessage());
            }
        }
        if (pids != null && pids < 1) {
            bad("spec.limits.pids", "must be at least 1");
        }
        return new Limits(memory, cpu, pids == null ? null : pids.longValue());
    }

    private DnsSettings dns(JsonValue n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!object(n, "spec.dns", Set.of("minTTL", "maxTTL", "deniedResponse"))) {
            return null;
        }
        Integer min = integer(n, "spec.dns", "minTTL", false);
        Integer max = integer(n, "spec.dns", "maxTTL", false);
        DeniedResponse denied = enumValue(n, "spec.dns", "deniedResponse", DeniedResponse.class);
        if (min != null && min < 0) {
            bad("spec.dns.minTTL", "must not be negative");
        }
        if (max != null && max < 0) {
            bad("spec.dns.maxTTL", "must not be negative");
        }
        if (min != null && max != null && min > max) {
            bad("spec.dns.maxTTL", max + " is below minTTL " + min);
        }
        return new DnsSettings(min, max, denied);
    }

    // ---- generic helpers -------------------------------------------------------------------------------------

    private boolean object(JsonValue n, String path, Set<String> known) {
        if (!n.isObject()) {
            bad(path.isEmpty() ? "body" : path, "expected an object, found " + kind(n));
            return false;
        }
        for (String f : ((JsonValue.JsonObject) n).fields().keySet()) {
            if (!known.contains(f)) {
                bad(path.isEmpty() ? f : path + "." + f, "unknown field");
            }
        }
        return true;
    }

    private String string(JsonValue n, String path, String field, boolean required) {
        String p = path.isEmpty() ? field : path + "." + field;
        JsonValue v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                bad(p, "required");
            }
            return null;
        }
        return text(v, p);
    }

    private String text(JsonValue v, String path) {
        if (!v.isTextual()) {
            bad(path, "expected a string, found " + kind(v));
            return null;
        }
        return v.asText();
    }

    /** A string or a number written as such ({@code cpu: 2}). */
    private String scalarText(JsonValue n, String path, String field) {
        JsonValue v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual() || v.isNumber()) {
            return v.asText();
        }
        bad(path + "." + field, "expected a string or a number, found " + kind(v));
        return null;
    }

    private Integer integer(JsonValue n, String path, String field, boolean required) {
        String p = path + "." + field;
        JsonValue v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                bad(p, "required");
            }
            return null;
        }
        if (!(v instanceof JsonValue.JsonNumber num) || !num.fitsInt()) {
            bad(p, "expected an integer, found " + (v.isIntegralNumber() ? "an integer out of range" : kind(v)));
            return null;
        }
        return (int) num.longValue();
    }

    /** {@code true} or {@code false}, never a string or a number standing for one. */
    private Boolean bool(JsonValue n, String path, String field) {
        JsonValue v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            bad(path + "." + field, "expected true or false, found " + kind(v));
            return null;
        }
        return ((JsonValue.JsonBoolean) v).value();
    }

    private <E extends Enum<E>> E enumValue(JsonValue n, String path, String field, Class<E> type) {
        String s = string(n, path, field, false);
        if (s == null) {
            return null;
        }
        try {
            return Enum.valueOf(type, s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            List<String> allowed = new ArrayList<>();
            for (E c : type.getEnumConstants()) {
                allowed.add(type == Protocol.class ? c.name() : c.name().toLowerCase(Locale.ROOT));
            }
            bad(path + "." + field, "'" + s + "' is not one of " + allowed);
            return null;
        }
    }

    private <T> List<T> list(JsonValue n, String path, BiFunction<JsonValue, String, T> item) {
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            bad(path, "expected a list, found " + kind(n));
            return List.of();
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            T t = item.apply(n.get(i), path + "[" + i + "]");
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    private Map<String, String> stringMap(JsonValue n, String path) {
        if (n == null || n.isNull()) {
            return Map.of();
        }
        if (!n.isObject()) {
            bad(path, "expected an object of strings, found " + kind(n));
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        ((JsonValue.JsonObject) n).fields().forEach((k, value) -> {
            String v = text(value, path + "." + k);
            if (v != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static String kind(JsonValue n) {
        return n.kind();
    }
}
