package dev.egret.node.dns;

import dev.egret.node.datapath.PolicyCompiler;
import dev.egret.node.datapath.PortRange;
import dev.egret.policy.DnsNames;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.FqdnSelector;
import dev.egret.policy.Mode;
import dev.egret.policy.NamePattern;
import dev.egret.policy.Rule;
import dev.egret.policy.Verdict;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A policy's name rules compiled for the DNS proxy: protects first (a circular dependency), then deny rules, then
 * allow rules, else the default deny; audit mode turns a deny into an audit-deny. Exact names sit in a hash and
 * patterns are indexed by their literal suffix, so a query costs a few hash probes however many patterns the policy
 * has. Compile once per policy ({@link #of}), decide per query. Pure and immutable.
 */
public final class NameDecider {
    private enum Kind { PROTECT, DENY, ALLOW }

    /**
     * One selector; {@code order} ranks selectors of one kind as the policy lists them; {@code allowed} is the decision
     * when it is the only allow rule that matches (made once: the busy path allocates no decision).
     */
    private record Entry(Kind kind, int order, int rule, String path, String source, NamePattern pattern,
                         NameDecision allowed) {
    }

    private final EgressPolicy policy;
    private final boolean audit;
    private final Map<String, List<Entry>> exact = new HashMap<>();
    private final Map<String, List<Entry>> bySuffix = new HashMap<>();
    private final List<Entry> matchAll = new ArrayList<>();
    private final List<Set<PortRange>> egressPorts = new ArrayList<>();

    private NameDecider(EgressPolicy policy) {
        this.policy = policy;
        this.audit = policy.spec().mode() == Mode.AUDIT;
        for (Rule r : policy.spec().egress()) {
            egressPorts.add(Collections.unmodifiableSet(new TreeSet<>(PolicyCompiler.ranges(r))));
        }
        List<String> protects = policy.spec().protects();
        for (int i = 0; i < protects.size(); i++) {
            add(new Entry(Kind.PROTECT, i, i, "spec.protects[" + i + "]", protects.get(i),
                    NamePattern.compile(protects.get(i)), null));
        }
        addRules(Kind.DENY, "spec.deny", policy.spec().deny());
        addRules(Kind.ALLOW, "spec.egress", policy.spec().egress());
    }

    /** Compiles the name rules of a (valid) policy. */
    public static NameDecider of(EgressPolicy policy) {
        return new NameDecider(policy);
    }

    /** Compiles and decides once: for tests and one-off checks; the proxy keeps compiled deciders. */
    public static NameDecision decide(EgressPolicy policy, String name) {
        return of(policy).decide(name);
    }

    public EgressPolicy policy() {
        return policy;
    }

    private void addRules(Kind kind, String path, List<Rule> rules) {
        int order = 0;
        for (int r = 0; r < rules.size(); r++) {
            List<FqdnSelector> sel = rules.get(r).toFQDNs();
            for (int i = 0; i < sel.size(); i++) {
                String at = path + "[" + r + "].toFQDNs[" + i + "]";
                NameDecision allowed = kind == Kind.ALLOW
                        ? new NameDecision(Verdict.ALLOW, at, "allowed by rule " + at, egressPorts.get(r)) : null;
                add(new Entry(kind, order++, r, at, sel.get(i).text(), sel.get(i).compile(), allowed));
            }
        }
    }

    private void add(Entry e) {
        String p = DnsNames.normalize(e.source().strip());
        if (p.equals("*")) {
            matchAll.add(e);
        } else if (p.indexOf('*') < 0) {
            exact.computeIfAbsent(p, k -> new ArrayList<>(1)).add(e);
        } else {
            bySuffix.computeIfAbsent(literalSuffix(p), k -> new ArrayList<>(1)).add(e);
        }
    }

    /** The trailing labels without a wildcard: "github.com" for "*.github.com", "" for "api*". */
    static String literalSuffix(String pattern) {
        String rest = pattern.startsWith("**.") ? pattern.substring(3) : pattern;
        int star = rest.lastIndexOf('*');
        if (star < 0) {
            return rest;
        }
        int dot = rest.indexOf('.', star);
        return dot < 0 ? "" : rest.substring(dot + 1);
    }

    /** The decision for one query name (as sent, any case, with or without the trailing dot). */
    public NameDecision decide(String name) {
        Matches m = new Matches();
        String n = name == null ? "" : DnsNames.normalize(name);
        if (!n.isEmpty() && n.length() <= DnsNames.MAX_NAME) {
            m.addAll(matchAll, false, n);
            m.addAll(exact.get(n), false, n);
            if (!bySuffix.isEmpty()) {
                m.addAll(bySuffix.get(""), true, n);
                for (int i = 0; i < n.length(); i++) {
                    if (n.charAt(i) == '.') {
                        m.addAll(bySuffix.get(n.substring(i + 1)), true, n);
                    }
                }
                m.addAll(bySuffix.get(n), true, n);
            }
        }
        if (m.protect != null) {
            return deny(m.protect.path(), "circular dependency: " + n + " is protected by this workload ('"
                    + m.protect.source() + "')");
        }
        if (m.deny != null) {
            return deny(m.deny.path(), "denied by rule " + m.deny.path());
        }
        if (m.allow != null) {
            if (m.otherRules == null) {
                return m.allow.allowed();
            }
            Set<PortRange> ports = new TreeSet<>(egressPorts.get(m.allow.rule()));
            for (int r : m.otherRules) {
                ports.addAll(egressPorts.get(r));
            }
            return new NameDecision(Verdict.ALLOW, m.allow.path(), m.allow.allowed().reason(), ports);
        }
        return deny("default-deny", "no egress rule allows the name " + n);
    }

    /** In audit mode a would-be denied name is still learned, on every port, so its traffic passes. */
    private NameDecision deny(String rule, String reason) {
        return audit ? new NameDecision(Verdict.AUDIT_DENY, rule, reason + " (audit mode: let through)", Set.of(PortRange.ALL))
                : new NameDecision(Verdict.DENY, rule, reason, Set.of());
    }

    /** The best match of each kind, and the other egress rules that match (their ports count too). */
    private static final class Matches {
        Entry protect;
        Entry deny;
        Entry allow;
        List<Integer> otherRules;

        /** {@code test} false: the entries match without a pattern test (exact names, "*"). */
        void addAll(List<Entry> entries, boolean test, String normalized) {
            if (entries == null) {
                return;
            }
            for (int i = 0; i < entries.size(); i++) { // indexed: no iterator per lookup
                Entry e = entries.get(i);
                if (test && !e.pattern().matches(normalized)) {
                    continue;
                }
                switch (e.kind()) {
                    case PROTECT -> protect = better(protect, e);
                    case DENY -> deny = better(deny, e);
                    case ALLOW -> {
                        Entry before = allow;
                        allow = better(allow, e);
                        int other = allow == e ? (before == null ? -1 : before.rule()) : e.rule();
                        if (other >= 0 && other != allow.rule() && (otherRules == null || !otherRules.contains(other))) {
                            if (otherRules == null) {
                                otherRules = new ArrayList<>(2);
                            }
                            otherRules.add(other);
                        }
                    }
                }
            }
        }

        private static Entry better(Entry current, Entry e) {
            return current == null || e.order() < current.order() ? e : current;
        }
    }
}
