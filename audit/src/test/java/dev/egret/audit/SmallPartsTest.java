package dev.egret.audit;

import dev.egret.policy.json.JsonSyntax;
import dev.egret.policy.json.JsonValue;
import dev.egret.policy.NamePattern;
import dev.egret.policy.PortRule;
import dev.egret.policy.Protocol;
import dev.egret.policy.Verdict;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static dev.egret.audit.Events.T0;
import static dev.egret.audit.Events.connect;
import static dev.egret.audit.Events.dns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SmallPartsTest {

    @Test
    void portSetsMergeExactly() {
        PortSets p = new PortSets();
        for (int port : new int[]{80, 81, 82, 443, 8080}) {
            p.add(Protocol.TCP, port);
        }
        p.add(Protocol.UDP, 443);
        p.add(Protocol.UDP, 53);
        assertEquals(List.of(new PortRule(443, null, Protocol.ANY), new PortRule(80, 82, Protocol.TCP),
                new PortRule(8080, null, Protocol.TCP), new PortRule(53, null, Protocol.UDP)), p.rules());
        assertTrue(new PortSets().rules().isEmpty());
    }

    @Test
    void ipv6IsWrittenCompressed() throws Exception {
        assertEquals("2001:db8::1", IpText.of(InetAddress.getByName("2001:db8:0:0:0:0:0:1")));
        assertEquals("::1", IpText.of(InetAddress.getByName("::1")));
        assertEquals("::", IpText.of(InetAddress.getByName("::")));
        assertEquals("2001:db8:0:1:0:0:0:1".replace(":0:0:0:", "::"),
                IpText.of(InetAddress.getByName("2001:db8:0:1:0:0:0:1")), "the longest run is compressed");
        assertEquals("fe80::1:0:0:1", IpText.of(InetAddress.getByName("fe80:0:0:0:1:0:0:1")));
        assertEquals("192.0.2.1", IpText.of(InetAddress.getByName("192.0.2.1")));
    }

    @Test
    void filterMatchesEachCriterion() {
        AuditEvent e = connect("w1", "deploy", "api.example.com", "192.0.2.1", 443, "tcp", Verdict.DENY, 10);
        assertTrue(AuditFilter.ALL.matches(e));
        assertTrue(new AuditFilter("w1", "node-a", "deploy", Verdict.DENY, AuditEvent.Kind.CONNECT,
                NamePattern.compile("*.example.com"), T0.plusSeconds(10), T0.plusSeconds(11)).matches(e));
        assertFalse(new AuditFilter("w2", null, null, null, null, null, null, null).matches(e));
        assertFalse(new AuditFilter(null, "node-b", null, null, null, null, null, null).matches(e));
        assertFalse(new AuditFilter(null, null, "other", null, null, null, null, null).matches(e));
        assertFalse(new AuditFilter(null, null, null, Verdict.ALLOW, null, null, null, null).matches(e));
        assertFalse(new AuditFilter(null, null, null, null, AuditEvent.Kind.DNS, null, null, null).matches(e));
        assertFalse(new AuditFilter(null, null, null, null, null, NamePattern.compile("*.example.org"), null, null)
                .matches(e));
        assertFalse(new AuditFilter(null, null, null, null, null, null, T0.plusSeconds(11), null).matches(e));
        assertFalse(new AuditFilter(null, null, null, null, null, null, null, T0.plusSeconds(10)).matches(e),
                "'to' is exclusive");
        assertThrows(IllegalArgumentException.class,
                () -> new AuditFilter(null, null, null, null, null, null, T0, T0));
    }

    @Test
    void checksNameTheField() {
        AuditEvent ok = connect("w", "p", "api.example.com", "192.0.2.1", 443, "tcp", Verdict.ALLOW, 0);
        assertTrue(AuditEventChecks.problems(ok).isEmpty());
        AuditEvent bad = new AuditEvent("x".repeat(300), T0, T0.plusSeconds(1), 1, "n", " ", null, 0, 0, null,
                AuditEvent.Kind.CONNECT, "bad name!", null, "300.1.1.1", 1, "tcp", Verdict.ALLOW, null, null);
        List<String> problems = AuditEventChecks.problems(bad);
        assertEquals(List.of("id", "workload", "address", "name", "firstSeen"),
                problems.stream().map(s -> s.substring(0, s.indexOf(':'))).toList(), problems.toString());
    }

    @Test
    void dependenciesJsonHasTheDocumentedShape() {
        DependencyAggregator a = new DependencyAggregator();
        a.add(dns("egret/deploy-1", "deploy", "api.github.com", Verdict.ALLOW, 0));
        a.add(connect("egret/deploy-1", "deploy", "api.github.com", "140.82.112.3", 443, "tcp", Verdict.DENY, 1));
        JsonValue w = JsonSyntax.parse(AuditJson.dependencies(a.view(n -> Events.deploy("enforce", ""), null))).get("workloads").get(0);
        assertEquals("egret/deploy-1", w.get("workload").asText());
        assertEquals("deploy", w.get("policy").asText());
        assertEquals("enforce", w.get("mode").asText());
        assertEquals("[\"node-a\",\"node-b\"]", w.get("nodes").toString());
        JsonValue d = w.get("destinations").get(0);
        assertEquals("api.github.com", d.get("destination").asText());
        assertTrue(d.get("address").isNull());
        assertEquals("443", d.get("port").toString());
        assertEquals("[\"connect\",\"dns\"]", d.get("kinds").toString());
        assertEquals("2", d.get("count").toString());
        assertEquals("{\"allow\":1,\"deny\":1}", d.get("verdicts").toString());
        assertEquals("[\"circular\"]", d.get("flags").toString());
        assertEquals(T0.toString(), d.get("firstSeen").asText());
        assertEquals(T0.plusSeconds(1).toString(), d.get("lastSeen").asText());
    }
}
