package dev.egret.audit;

import dev.egret.policy.Decision;
import dev.egret.policy.Destination;
import dev.egret.policy.DnsNames;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.Mode;
import dev.egret.policy.NamePattern;
import dev.egret.policy.PolicyDecider;
import dev.egret.policy.Protocol;
import dev.egret.policy.Rule;
import dev.egret.policy.Verdict;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Replays recorded events against a proposed policy: what would it have denied, by which rule, and why.
 *
 * <p>The workloads are those whose events name {@code policyName}; all their events are replayed. Connects are decided
 * by {@link PolicyDecider} (name and address, port, protocol); a DNS query is decided on its name alone, as the node's
 * DNS proxy does (protects, then deny rules, then allow rules, whatever their ports); anything but TCP and UDP, and
 * socket creations, can never be allowed. Identical calls are decided once.
 */
public final class PolicyReplay {
    private PolicyReplay() {
    }

    private record Key(String workload, AuditEvent.Kind kind, String name, String address, int port, String protocol,
                       Verdict recorded) {
    }

    private static final class Acc {
        long count;
        Instant first;
        Instant last;

        void add(AuditEvent e) {
            count += e.count();
            first = first == null || e.firstSeen().isBefore(first) ? e.firstSeen() : first;
            last = last == null || e.time().isAfter(last) ? e.time() : last;
        }
    }

    public static ReplayReport replay(EgressPolicy proposed, String policyName, Collection<AuditEvent> events) {
        TreeSet<String> workloads = new TreeSet<>();
        for (AuditEvent e : events) {
            if (policyName.equals(e.policy())) {
                workloads.add(e.workload());
            }
        }
        Map<Key, Acc> groups = new LinkedHashMap<>();
        for (AuditEvent e : events) {
            if (workloads.contains(e.workload())) {
                String name = e.name() == null ? null : DnsNames.normalize(e.name());
                String proto = e.protocol() == null ? null : e.protocol().toLowerCase(java.util.Locale.ROOT);
                groups.computeIfAbsent(new Key(e.workload(), e.kind(), name, e.address(), e.port(), proto, e.verdict()),
                        k -> new Acc()).add(e);
            }
        }
        long calls = 0;
        long allow = 0;
        long deny = 0;
        long auditDeny = 0;
        long newlyDenied = 0;
        long newlyAllowed = 0;
        List<ReplayItem> denied = new ArrayList<>();
        for (Map.Entry<Key, Acc> g : groups.entrySet()) {
            Key k = g.getKey();
            Acc a = g.getValue();
            Decision d = decide(proposed, k);
            calls += a.count;
            switch (d.verdict()) {
                case ALLOW -> allow += a.count;
                case DENY -> deny += a.count;
                case AUDIT_DENY -> auditDeny += a.count;
            }
            if (k.recorded() == Verdict.ALLOW && d.verdict() != Verdict.ALLOW) {
                newlyDenied += a.count;
            }
            if (k.recorded() != Verdict.ALLOW && d.verdict() == Verdict.ALLOW) {
                newlyAllowed += a.count;
            }
            if (d.verdict() != Verdict.ALLOW) {
                String dest = k.name() != null ? k.name() : k.address() != null ? k.address() : "socket";
                denied.add(new ReplayItem(k.workload(), k.kind(), dest, k.name(), k.address(), k.port(), k.protocol(),
                        a.count, a.first, a.last, k.recorded(), d.verdict(), d.rule(), d.reason()));
            }
        }
        denied.sort(Comparator.comparingLong(ReplayItem::count).reversed()
                .thenComparing(ReplayItem::workload).thenComparing(ReplayItem::destination)
                .thenComparingInt(ReplayItem::port));
        return new ReplayReport(policyName, proposed.spec().mode().wireName(), List.copyOf(workloads),
                new ReplayReport.Totals(calls, groups.size(), allow, deny, auditDeny, newlyDenied, newlyAllowed),
                denied);
    }

    private static Decision decide(EgressPolicy p, Key k) {
        boolean audit = p.spec().mode() == Mode.AUDIT;
        if (k.kind() == AuditEvent.Kind.DNS) {
            return k.name() == null ? never(audit, "a DNS query without a name") : decideName(p, k.name());
        }
        Protocol protocol = PolicySuggester.protocol(k.protocol());
        InetAddress ip = AddressNames.parse(k.address());
        if (k.kind() == AuditEvent.Kind.SOCKET || protocol == null) {
            return never(audit, "only TCP and UDP destinations can be allowed, not "
                    + (k.kind() == AuditEvent.Kind.SOCKET ? "a " + k.protocol() + " socket" : k.protocol()));
        }
        if (k.name() == null && ip == null) {
            return never(audit, "a call without a name or an address");
        }
        return PolicyDecider.decide(p, new Destination(k.name(), ip, k.port(), protocol));
    }

    /** A name alone, as the DNS proxy decides it: protects, deny rules, allow rules, whatever their ports. */
    static Decision decideName(EgressPolicy p, String name) {
        boolean audit = p.spec().mode() == Mode.AUDIT;
        List<String> protects = p.spec().protects();
        for (int i = 0; i < protects.size(); i++) {
            if (NamePattern.compile(protects.get(i)).matches(name)) {
                return deny(audit, "circular dependency: " + name + " is protected by this workload ('"
                        + protects.get(i) + "')", "spec.protects[" + i + "]");
            }
        }
        String denied = nameRule(p.spec().deny(), "spec.deny", name);
        if (denied != null) {
            return deny(audit, "the name is denied by rule " + denied, denied);
        }
        String allowed = nameRule(p.spec().egress(), "spec.egress", name);
        if (allowed != null) {
            return new Decision(Verdict.ALLOW, "the name is allowed by rule " + allowed, allowed);
        }
        return deny(audit, "no egress rule allows the name " + name, Decision.DEFAULT_DENY);
    }

    private static String nameRule(List<Rule> rules, String path, String name) {
        for (int r = 0; r < rules.size(); r++) {
            for (int i = 0; i < rules.get(r).toFQDNs().size(); i++) {
                if (rules.get(r).toFQDNs().get(i).compile().matches(name)) {
                    return path + "[" + r + "].toFQDNs[" + i + "]";
                }
            }
        }
        return null;
    }

    private static Decision never(boolean audit, String reason) {
        return deny(audit, reason, Decision.DEFAULT_DENY);
    }

    private static Decision deny(boolean audit, String reason, String rule) {
        return audit ? new Decision(Verdict.AUDIT_DENY, reason + " (audit mode: let through)", rule)
                : new Decision(Verdict.DENY, reason, rule);
    }
}
