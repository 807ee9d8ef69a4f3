package dev.egret.policy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PolicyDeciderTest {
    static final EgressPolicy POLICY = PolicyCodec.parseYaml("""
            apiVersion: egret.dev/v1
            kind: EgressPolicy
            metadata: {name: deploy}
            spec:
              egress:
                - toFQDNs: [{matchName: registry.example.com}, {matchPattern: "*.debian.org"}]
                  toPorts: [{port: 443, protocol: TCP}]
                - toFQDNs: [{matchPattern: "**.pkg.example.net"}]
                - toCIDR: [10.0.0.0/8, "2001:db8::/32"]
                  toPorts: [{port: 8000, endPort: 8999}]
                - toCIDR: [192.0.2.0/24]
                  toPorts: [{port: 53, protocol: UDP}]
                - toFQDNs: [{matchName: github.com}]
              deny:
                - toCIDR: [10.66.0.0/16]
                - toFQDNs: [{matchName: bad.debian.org}]
              protects: [github.com, "*.github.net"]
            """);

    @ParameterizedTest(name = "{0} {1}:{2}/{3} -> {4} by {5}")
    @CsvSource(nullValues = "-", value = {
            // names, case, trailing dots, label boundaries
            "registry.example.com,  -,            443,  TCP, ALLOW, spec.egress[0].toFQDNs[0]",
            "REGISTRY.example.com., -,            443,  TCP, ALLOW, spec.egress[0].toFQDNs[0]",
            "evilregistry.example.com, -,         443,  TCP, DENY,  default-deny",
            "registry.example.com,  -,            80,   TCP, DENY,  default-deny",
            "registry.example.com,  -,            443,  UDP, DENY,  default-deny",
            "ftp.debian.org,        -,            443,  TCP, ALLOW, spec.egress[0].toFQDNs[1]",
            "debian.org,            -,            443,  TCP, DENY,  default-deny",
            "a.b.debian.org,        -,            443,  TCP, DENY,  default-deny",
            "a.b.pkg.example.net,   -,            22,   TCP, ALLOW, spec.egress[1].toFQDNs[0]",
            "pkg.example.net,       -,            22,   TCP, DENY,  default-deny",
            // CIDRs, IPv6, mapped addresses, port ranges
            "-,                     10.1.1.1,     8000, TCP, ALLOW, spec.egress[2].toCIDR[0]",
            "-,                     10.1.1.1,     8999, UDP, ALLOW, spec.egress[2].toCIDR[0]",
            "-,                     10.1.1.1,     9000, TCP, DENY,  default-deny",
            "-,                     10.1.1.1,     7999, TCP, DENY,  default-deny",
            "-,                     ::ffff:10.1.1.1, 8080, TCP, ALLOW, spec.egress[2].toCIDR[0]",
            "-,                     2001:db8::5,  8080, TCP, ALLOW, spec.egress[2].toCIDR[1]",
            "-,                     2001:db9::5,  8080, TCP, DENY,  default-deny",
            "-,                     192.0.2.9,    53,   UDP, ALLOW, spec.egress[3].toCIDR[0]",
            "-,                     192.0.2.9,    53,   TCP, DENY,  default-deny",
            // deny wins over allow
            "-,                     10.66.1.1,    8080, TCP, DENY,  spec.deny[0].toCIDR[0]",
            "-,                     ::ffff:10.66.1.1, 8080, TCP, DENY, spec.deny[0].toCIDR[0]",
            "bad.debian.org,        -,            443,  TCP, DENY,  spec.deny[1].toFQDNs[0]",
            // protects wins over allow
            "github.com,            -,            443,  TCP, DENY,  spec.protects[0]",
            "api.github.net,        10.1.1.1,     8080, TCP, DENY,  spec.protects[1]",
            "evilgithub.com,        -,            443,  TCP, DENY,  default-deny",
    })
    void decides(String name, String ip, int port, Protocol proto, Verdict verdict, String rule) {
        Destination dest = new Destination(name, ip == null ? null : Cidr.parseAddress(ip), port, proto);
        Decision d = PolicyDecider.decide(POLICY, dest);
        assertEquals(verdict, d.verdict(), d.reason());
        assertEquals(rule, d.rule());
        assertEquals(d, COMPILED.decide(dest), "the compiled decider decides the same, with the same reason");
    }

    static final PolicyDecider COMPILED = PolicyDecider.of(POLICY);

    @ParameterizedTest
    @CsvSource({"github.com, spec.protects[0]", "nothing.example, default-deny", "10.66.0.1, spec.deny[0].toCIDR[0]"})
    void auditModeLetsDenialsThroughButRecordsThem(String target, String rule) {
        EgressPolicy audit = PolicyCodec.parseJson(PolicyCodec.toJson(POLICY).replace("\"mode\":\"enforce\"", "\"mode\":\"audit\""));
        boolean isIp = Character.isDigit(target.charAt(0));
        Decision d = PolicyDecider.decide(audit, new Destination(isIp ? null : target,
                isIp ? Cidr.parseAddress(target) : null, 443, Protocol.TCP));
        assertEquals(Verdict.AUDIT_DENY, d.verdict());
        assertEquals(rule, d.rule());
        assertEquals(Verdict.ALLOW, PolicyDecider.decide(audit,
                new Destination("registry.example.com", null, 443, Protocol.TCP)).verdict());
    }
}
