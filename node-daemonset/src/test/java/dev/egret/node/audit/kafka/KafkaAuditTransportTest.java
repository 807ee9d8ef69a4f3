package dev.egret.node.audit.kafka;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class KafkaAuditTransportTest {

    @Test
    void theOperatorsProducerSettingsApplyButNotOnesThatWeakenDelivery() {
        Map<String, Object> c = KafkaAuditTransport.producerConfig(Map.of("bootstrap.servers", "b:9093",
                "security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512", "linger.ms", "20",
                "acks", "0", "enable.idempotence", "false", "port", "tcp://10.0.0.9:9092", "service.host", "10.0.0.9"));
        assertEquals("b:9093", c.get("bootstrap.servers"));
        assertEquals("SASL_SSL", c.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", c.get("sasl.mechanism"));
        assertEquals("20", c.get("linger.ms"));
        assertEquals("all", c.get("acks"));
        assertEquals(true, c.get("enable.idempotence"));
        assertFalse(c.containsKey("port"), "a Service's KAFKA_PORT is not a producer setting");
        assertFalse(c.containsKey("service.host"));
    }
}
