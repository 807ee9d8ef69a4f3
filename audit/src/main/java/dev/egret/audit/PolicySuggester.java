package dev.egret.audit;

import dev.egret.policy.Cidr;
import dev.egret.policy.Decision;
import dev.egret.policy.Destination;
import dev.egret.policy.DnsNames;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.FqdnSelector;
import dev.egret.policy.Metadata;
import dev.egret.policy.Mode;
import dev.egret.policy.NamePattern;
import dev.egret.policy.PolicyDecider;
import dev.egret.policy.PolicySpec;
import dev.egret.policy.PortRule;
import dev.egret.policy.Protocol;
import dev.egret.policy.Rule;
import dev.egret.policy.Verdict;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds an allow list from what a policy's workloads were seen to need.
 *
 * <p>The workloads are those whose events name the policy. Every connect they made over TCP or UDP that passed
 * ({@code allow}, or {@code audit-deny} in audit mode) becomes allowed, except circular ones (a protected name, or an
 * address seen for one) and those the policy's deny rules cover. Names are grouped into {@code *.parent} when at least
 * {@code minSiblings} sibling names share a parent of two or more labels, the pattern covers no protected name and no
 * name that was denied; addresses seen without a name become {@code /32} or {@code /128} CIDRs; ports are merged
 * exactly ({@link PortSets}). Names that were only resolved, never connected to, are left out. The policy's
 * workloads, deny rules, protects, raw-socket permission, limits, DNS settings, mode, labels and resource version are kept, so the result
 * can be PUT back as a conditional replace.
 */
public final class PolicySuggester {
    public static final int DEFAULT_MIN_SIBLINGS = 3;

    private PolicySuggester() {
    }

    public static EgressPolicy suggest(EgressPolicy current, Collection<AuditEvent> events) {
        return suggest(current, events, DEFAULT_MIN_SIBLINGS);
    }

    public static EgressPolicy suggest(EgressPolicy current, Collection<AuditEvent> events, int minSiblings) {
        if (minSiblings < 2) {
            throw new IllegalArgumentException("minSiblings must be at least 2");
        }
        AddressNames addressNames = new AddressNames();
        Set<String> workloads = new HashSet<>();
        for (AuditEvent e : events) {
            addressNames.learn(e);
            if (current.name().equals(e.policy())) {
                workloads.add(e.workload());
            }
        }
        Circularity circularity = new Circularity(current, addressNames);
        EgressPolicy denyOnly = new EgressPolicy(current.apiVersion(), current.kind(), current.metadata(),
                new PolicySpec(Mode.ENFORCE, null, List.of(), current.spec().deny(), List.of(), false, null, null));
        Map<String, PortSets> names = new TreeMap<>();
        Map<InetAddress, PortSets> addresses = new LinkedHashMap<>();
        Set<String> deniedNames = new HashSet<>();
        for (AuditEvent e : events) {
            if (!workloads.contains(e.workload())) {
                continue;
            }
            String name = e.name() == null ? null : DnsNames.normalize(e.name());
            if (e.verdict() == Verdict.DENY) {
                if (name != null) {
                    deniedNames.add(name);
                }
                continue;
            }
            Protocol protocol = protocol(e.protocol());
            InetAddress ip = AddressNames.parse(e.address());
            if (e.kind() != AuditEvent.Kind.CONNECT || protocol == null || e.port() == 0 || (name == null && ip == null)
                    || circularity.isCircular(name, ip) || (e.rule() != null && e.rule().startsWith("spec.protects"))
                    || deniedByRule(denyOnly, name, ip, e.port(), protocol)) {
                continue;
            }
            if (name != null) {
                names.computeIfAbsent(name, k -> new PortSets()).add(protocol, e.port());
            } else {
                addresses.computeIfAbsent(ip, k -> new PortSets()).add(protocol, e.port());
            }
        }
        Map<String, PortSets> selectors = group(names, minSiblings, current.spec().protects(), deniedNames);
        List<Rule> egress = new ArrayList<>();
        Map<List<PortRule>, List<FqdnSelector>> byPorts = new LinkedHashMap<>();
        selectors.forEach((s, ports) -> byPorts.computeIfAbsent(ports.rules(), k -> new ArrayList<>())
                .add(s.startsWith("*.") ? FqdnSelector.pattern(s) : FqdnSelector.name(s)));
        byPorts.forEach((ports, fqdns) -> egress.add(new Rule(fqdns, List.of(), ports)));
        Map<List<PortRule>, List<String>> cidrsByPorts = new LinkedHashMap<>();
        addresses.entrySet().stream()
                .sorted((a, b) -> compare(a.getKey(), b.getKey()))
                .forEach(e -> cidrsByPorts.computeIfAbsent(e.getValue().rules(), k -> new ArrayList<>())
                        .add(IpText.of(e.getKey()) + (e.getKey() instanceof Inet4Address ? "/32" : "/128")));
        cidrsByPorts.forEach((ports, cidrs) -> egress.add(new Rule(List.of(), cidrs, ports)));
        PolicySpec s = current.spec();
        return new EgressPolicy(current.apiVersion(), current.kind(),
                new Metadata(current.name(), current.metadata().resourceVersion(), current.metadata().labels()),
                new PolicySpec(s.mode(), s.workloads(), egress, s.deny(), s.protects(), s.allowRawSockets(), s.limits(),
                        s.dns()));
    }

    /** Exact names and {@code *.parent} patterns (sorted), each with its ports. */
    static Map<String, PortSets> group(Map<String, PortSets> names, int minSiblings, List<String> protects,
                                       Set<String> deniedNames) {
        Map<String, List<String>> byParent = new TreeMap<>();
        for (String n : names.keySet()) {
            int dot = n.indexOf('.');
            String parent = dot < 0 ? null : n.substring(dot + 1);
            if (parent != null && parent.indexOf('.') > 0) {
                byParent.computeIfAbsent(parent, k -> new ArrayList<>()).add(n);
            }
        }
        Map<String, PortSets> out = new TreeMap<>(names);
        for (Map.Entry<String, List<String>> g : byParent.entrySet()) {
            String pattern = "*." + g.getKey();
            if (g.getValue().size() < minSiblings || !safe(pattern, g.getKey(), protects, deniedNames)) {
                continue;
            }
            PortSets merged = new PortSets();
            for (String n : g.getValue()) {
                merged.addAll(out.remove(n));
            }
            out.put(pattern, merged);
        }
        return out;
    }

    /** {@code *.parent} may be used: it matches no protected name and no name that was denied. */
    static boolean safe(String pattern, String parent, List<String> protects, Set<String> deniedNames) {
        NamePattern candidate = NamePattern.compile(pattern);
        for (String denied : deniedNames) {
            if (candidate.matches(denied)) {
                return false;
            }
        }
        for (String p : protects) {
            if (overlaps(parent, p)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code *.parent} and the protected pattern match a common name. The candidate matches any first label
     * followed by {@code parent}, so they overlap exactly when the protected pattern matches some {@code L.parent}; a
     * first label that satisfies the protected pattern's own first label (its wildcards filled in) is such an L.
     */
    static boolean overlaps(String parent, String protectedPattern) {
        NamePattern q = NamePattern.compile(protectedPattern);
        String p = DnsNames.normalize(protectedPattern.strip());
        String first;
        if (p.equals("*") || p.startsWith("**.")) {
            first = "a";
        } else {
            int dot = p.indexOf('.');
            first = (dot < 0 ? p : p.substring(0, dot)).replace("*", "a");
        }
        return q.matches(first + "." + parent);
    }

    private static boolean deniedByRule(EgressPolicy denyOnly, String name, InetAddress ip, int port, Protocol protocol) {
        if (denyOnly.spec().deny().isEmpty()) {
            return false;
        }
        Decision d = PolicyDecider.decide(denyOnly, new Destination(name, ip, port, protocol));
        return d.rule().startsWith("spec.deny");
    }

    static Protocol protocol(String p) {
        if (p == null) {
            return null;
        }
        return switch (p.toLowerCase(java.util.Locale.ROOT)) {
            case "tcp" -> Protocol.TCP;
            case "udp" -> Protocol.UDP;
            default -> null;
        };
    }

    private static int compare(InetAddress a, InetAddress b) {
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        if (x.length != y.length) {
            return Integer.compare(x.length, y.length);
        }
        return java.util.Arrays.compareUnsigned(x, y);
    }
}
