package dev.egret.audit;

import dev.egret.policy.Verdict;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditEventCodecTest {
    static AuditEvent connect(String id, Verdict v) {
        return new AuditEvent(id, Instant.parse("2026-11-25T10:00:01Z"), Instant.parse("2026-11-25T10:00:00Z"), 3,
                "node-a", "egret/deploy-1", "deploy", 42, 1234, "curl", AuditEvent.Kind.CONNECT, "api.github.com",
                null, "140.82.112.5", 443, "tcp", v, "default-deny", "no egress rule allows it");
    }

    @Test
    void roundTripsEveryField() {
        AuditEvent e = connect("node-a-7", Verdict.AUDIT_DENY);
        String line = AuditEventCodec.toLine(e);
        assertTrue(line.contains("\"verdict\":\"audit-deny\""), line);
        assertTrue(line.contains("\"kind\":\"connect\""), line);
        assertEquals(e, AuditEventCodec.fromLine(line));
        assertEquals(List.of(e, e), AuditEventCodec.fromJsonArray(AuditEventCodec.toJsonArray(List.of(e, e))));
    }

    @Test
    void badInputNamesTheField() {
        String ok = AuditEventCodec.toLine(connect("n-1", Verdict.DENY));
        assertEquals("[0].verdict: one of allow, deny, audit-deny, not maybe", assertThrows(IllegalArgumentException.class,
                () -> AuditEventCodec.fromJsonArray("[" + ok.replace("\"deny\"", "\"maybe\"") + "]")).getMessage());
        assertEquals("time: required", assertThrows(IllegalArgumentException.class,
                () -> AuditEventCodec.fromLine("{\"id\":\"x\"}")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> AuditEventCodec.fromJsonArray("{}"));
        assertThrows(IllegalArgumentException.class, () -> AuditEventCodec.fromLine("{not json"));
    }
}
