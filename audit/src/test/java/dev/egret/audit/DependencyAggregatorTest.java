package dev.egret.audit;

import dev.egret.policy.EgressPolicy;
import dev.egret.policy.Verdict;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.egret.audit.Events.T0;
import static dev.egret.audit.Events.connect;
import static dev.egret.audit.Events.deploy;
import static dev.egret.audit.Events.dns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DependencyAggregatorTest {
    private static final EgressPolicy DEPLOY = deploy("enforce", "");

    private static List<WorkloadDependencies> view(DependencyAggregator a) {
        return a.view(n -> n.equals("deploy") ? DEPLOY : null, null);
    }

    private static DependencyEntry entry(WorkloadDependencies w, String destination, Integer port) {
        return w.destinations().stream()
                .filter(d -> d.destination().equals(destination) && java.util.Objects.equals(d.port(), port))
                .findFirst().orElseThrow(() -> new AssertionError(destination + ":" + port + " in " + w.destinations()));
    }

    @Test
    void dnsAndConnectsOfOneNameAggregate() {
        DependencyAggregator a = new DependencyAggregator();
        a.add(dns("egret/deploy-1", "deploy", "Registry.Example.com.", Verdict.ALLOW, 0));
        a.add(Events.folded(connect("egret/deploy-1", "deploy", "registry.example.com", "192.0.2.10", 443, "tcp",
                Verdict.ALLOW, 5), 10, T0.plusSeconds(1)));
        a.add(connect("egret/deploy-1", "deploy", "registry.example.com", "192.0.2.11", 443, "tcp", Verdict.DENY, 9));
        a.add(connect("egret/deploy-1", "deploy", "registry.example.com", "192.0.2.10", 8443, "tcp", Verdict.ALLOW, 3));

        WorkloadDependencies w = view(a).getFirst();
        assertEquals("egret/deploy-1", w.workload());
        assertEquals("deploy", w.policy());
        assertEquals("enforce", w.mode());
        assertEquals(List.of("node-a", "node-b"), w.nodes());
        assertEquals(2, w.destinations().size(), w.destinations().toString());
        DependencyEntry d443 = entry(w, "registry.example.com", 443);
        assertEquals(List.of("connect", "dns"), d443.kinds(), "the query joins the lowest port of its name");
        assertEquals(12, d443.count());
        assertEquals(Map.of("allow", 11L, "deny", 1L), d443.verdicts());
        assertEquals(T0, d443.firstSeen());
        assertEquals(T0.plusSeconds(9), d443.lastSeen());
        assertEquals("registry.example.com", d443.name());
        assertNull(d443.address());
        assertEquals(List.of("192.0.2.10", "192.0.2.11"), d443.addresses());
        assertEquals("tcp", d443.protocol());
        assertEquals(List.of(), d443.flags());
        assertEquals(List.of("connect"), entry(w, "registry.example.com", 8443).kinds());
    }

    @Test
    void aNameOnlyResolvedStandsAloneWithoutPort() {
        DependencyAggregator a = new DependencyAggregator();
        a.add(dns("w", "deploy", "only.example.com", Verdict.DENY, 0));
        DependencyEntry d = view(a).getFirst().destinations().getFirst();
        assertEquals("only.example.com", d.destination());
        assertNull(d.port());
        assertNull(d.protocol());
        assertEquals(List.of("dns"), d.kinds());
    }

    @Test
    void unnamedAddressesAreTheirOwnDestinationAndMappedV4IsV4() {
        DependencyAggregator a = new DependencyAggregator();
        a.add(connect("w", "deploy", null, "198.51.100.7", 22, "tcp", Verdict.DENY, 0));
        a.add(connect("w", "deploy", null, "::ffff:198.51.100.7", 22, "tcp", Verdict.DENY, 1));
        WorkloadDependencies w = view(a).getFirst();
        assertEquals(1, w.destinations().size(), w.destinations().toString());
        DependencyEntry d = w.destinations().getFirst();
        assertEquals("198.51.100.7", d.destination());
        assertEquals("198.51.100.7", d.address());
        assertNull(d.name());
        assertEquals(2, d.count());
    }

    @Test
    void circularByNameByAddressAndByRecordedRule() {
        DependencyAggregator a = new DependencyAggregator();
        // another workload learned 140.82.112.3 from api.github.com
        a.add(connect("ci/other", null, "api.github.com", "140.82.112.3", 443, "tcp", Verdict.ALLOW, 0));
        a.add(connect("egret/deploy-1", "deploy", "api.github.com", "140.82.112.3", 443, "tcp", Verdict.DENY, 1));
        a.add(connect("egret/deploy-1", "deploy", null, "140.82.112.3", 443, "tcp", Verdict.DENY, 2));
        a.add(Events.withRule(connect("egret/deploy-1", "deploy", null, "203.0.113.9", 443, "tcp", Verdict.DENY, 3),
                "spec.protects[1]"));
        a.add(connect("egret/deploy-1", "deploy", "status.example.com", "192.0.2.1", 443, "tcp", Verdict.ALLOW, 4));
        a.add(connect("egret/deploy-1", "deploy", "github.community", "192.0.2.2", 443, "tcp", Verdict.ALLOW, 5));

        WorkloadDependencies w = a.view(n -> n.equals("deploy") ? DEPLOY : null, "egret/deploy-1").getFirst();
        assertEquals(List.of("circular"), entry(w, "api.github.com", 443).flags());
        assertEquals(List.of("circular"), entry(w, "140.82.112.3", 443).flags(), "resolves to what it protects");
        assertEquals(List.of("circular"), entry(w, "203.0.113.9", 443).flags(), "the node said so");
        assertEquals(List.of(), entry(w, "status.example.com", 443).flags());
        assertEquals(List.of(), entry(w, "github.community", 443).flags(), "label boundaries hold");
        assertEquals(3, w.circularCount());

        WorkloadDependencies other = a.view(n -> null, "ci/other").getFirst();
        assertEquals(List.of(), other.destinations().getFirst().flags(), "ci/other protects nothing");
        assertNull(other.mode());
        assertNull(other.policy());
    }

    @Test
    void auditDeniedIsUnlistedAndThePolicyOfTheLatestEventCounts() {
        DependencyAggregator a = new DependencyAggregator();
        a.add(connect("w", "old", "pypi.org", "192.0.2.5", 443, "tcp", Verdict.ALLOW, 0));
        a.add(connect("w", "deploy", "files.pythonhosted.org", "192.0.2.6", 443, "tcp", Verdict.AUDIT_DENY, 10));
        a.add(connect("w", "old", "pypi.org", "192.0.2.5", 443, "tcp", Verdict.ALLOW, 5));
        WorkloadDependencies w = view(a).getFirst();
        assertEquals("deploy", w.policy());
        assertEquals(List.of("unlisted"), entry(w, "files.pythonhosted.org", 443).flags());
        assertEquals(List.of(), entry(w, "pypi.org", 443).flags());
    }

    @Test
    void workloadsAndDestinationsAreOrdered() {
        DependencyAggregator a = new DependencyAggregator();
        a.add(connect("b", null, "z.example.com", "192.0.2.1", 80, "tcp", Verdict.ALLOW, 0));
        a.add(connect("a", null, "y.example.com", "192.0.2.1", 443, "tcp", Verdict.ALLOW, 0));
        a.add(connect("a", null, "x.example.com", "192.0.2.1", 443, "udp", Verdict.ALLOW, 0));
        a.add(connect("a", null, "x.example.com", "192.0.2.1", 53, "udp", Verdict.ALLOW, 0));
        List<WorkloadDependencies> v = a.view(n -> null, null);
        assertEquals(List.of("a", "b"), v.stream().map(WorkloadDependencies::workload).toList());
        assertEquals(List.of("x.example.com:53", "x.example.com:443", "y.example.com:443"),
                v.getFirst().destinations().stream().map(d -> d.destination() + ":" + d.port()).toList());
        assertTrue(a.view(n -> null, "nobody").isEmpty());
    }
}
