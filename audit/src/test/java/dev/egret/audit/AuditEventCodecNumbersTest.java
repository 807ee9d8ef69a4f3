package dev.egret.audit;

import dev.egret.policy.Verdict;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AuditEventCodecNumbersTest {
    private static String line() {
        return AuditEventCodec.toLine(AuditEventCodecTest.connect("n-1", Verdict.ALLOW));
    }


    @Test
    void numbersAreCheckedAndNamed() {
        String ok = line();
        assertEquals("[1].port: -1 is out of range 0-65535", assertThrows(IllegalArgumentException.class,
                () -> AuditEventCodec.fromJsonArray("[" + ok + "," + ok.replace("\"port\":443", "\"port\":-1") + "]"))
                .getMessage());
        assertEquals("port: 70000 is out of range 0-65535", assertThrows(IllegalArgumentException.class,
                () -> AuditEventCodec.fromLine(ok.replace("\"port\":443", "\"port\":70000"))).getMessage());
        assertEquals("port: must be an integer", assertThrows(IllegalArgumentException.class,
                () -> AuditEventCodec.fromLine(ok.replace("\"port\":443", "\"port\":\"443\""))).getMessage());
        assertEquals("count: 0 is out of range 1-" + Long.MAX_VALUE, assertThrows(IllegalArgumentException.class,
                () -> AuditEventCodec.fromLine(ok.replace("\"count\":3", "\"count\":0"))).getMessage());
        assertEquals("pid: must be an integer", assertThrows(IllegalArgumentException.class,
                () -> AuditEventCodec.fromLine(ok.replace("\"pid\":1234", "\"pid\":1.5"))).getMessage());
    }

    @Test
    void absentNumbersTakeTheirDefaults() {
        AuditEvent e = AuditEventCodec.fromLine("""
                {"id":"a-1","time":"2026-11-25T10:00:00Z","node":"a","workload":"w","kind":"dns","name":"x.example",
                 "verdict":"allow"}""");
        assertEquals(1, e.count());
        assertEquals(0, e.port());
        assertEquals(0, e.pid());
    }
}
