package dev.egret.controller;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kafka transport against a real in-process KRaft broker (Kafka 4.1, loopback): node-style records on
 * {@code egret.audit} (key = workload, value = one AuditEvent JSON object) reach the store; a malformed record is
 * counted and skipped; records produced while the controller is SIGKILLed are consumed after its restart, once each.
 */
class KafkaTransportIT {
    static final String TOPIC = "egret.audit";
    /** The in-process broker logs a lot at INFO; held here so the level sticks. */
    private static final List<java.util.logging.Logger> QUIET = List.of(java.util.logging.Logger.getLogger("kafka"),
            java.util.logging.Logger.getLogger("org.apache.kafka"), java.util.logging.Logger.getLogger("state.change.logger"));

    static {
        QUIET.forEach(l -> l.setLevel(java.util.logging.Level.WARNING));
    }

    static String event(String id, String workload, int i) {
        return """
                {"id":"%s","time":"%s","node":"node-k","workload":"%s","policy":"deploy","kind":"connect",\
                "name":"registry.example.com","address":"192.0.2.%d","port":443,"protocol":"tcp","verdict":"allow",\
                "rule":"spec.egress[0].toFQDNs[0]","reason":"kafka test"}""".formatted(id,
                Instant.parse("2026-11-25T10:00:00Z").plusSeconds(i), workload, i % 250 + 1);
    }

    static void produce(KafkaProducer<String, String> producer, String prefix, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            String workload = "egret/kafka-" + (i % 3);
            producer.send(new ProducerRecord<>(TOPIC, workload, event(prefix + i, workload, i)));
        }
        producer.flush();
    }

    static void awaitStored(ControllerProcess c, String token, int expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        int stored = -1;
        while (System.nanoTime() < deadline) {
            stored = AuditCrashIT.storedIds(c, token).size();
            if (stored >= expected) {
                break;
            }
            Thread.sleep(250);
        }
        assertEquals(expected, stored, "events stored from Kafka");
    }

    @Test
    void eventsFlowFromTheTopicIntoTheStoreAndSurviveACrash(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker().withKafkaHost("127.0.0.1").start()) {
            String servers = broker.getAdvertisedListeners();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            Map<String, Object> producerConfig = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig);
                 ControllerProcess controller = new ControllerProcess(dir.resolve("data"),
                         "egret.events.transport=kafka", "egret.events.kafka.bootstrap-servers=" + servers,
                         // the killed consumer's partitions are handed over after this, not the default 45 s
                         "mp.messaging.incoming.audit-kafka.session.timeout.ms=6000",
                         "mp.messaging.incoming.audit-kafka.heartbeat.interval.ms=1000").start()) {
                String token = controller.adminToken();
                produce(producer, "k1-", 300);
                producer.send(new ProducerRecord<>(TOPIC, "egret/kafka-0", "{\"id\":\"broken\"")).get();
                producer.send(new ProducerRecord<>(TOPIC, "egret/kafka-0", event("k1-5", "egret/kafka-0", 5))).get();
                awaitStored(controller, token, 300);
                String metrics = controller.get("/q/metrics", null).body();
                assertTrue(metrics.contains("egret_audit_rejected_events_total{transport=\"kafka\"} 1.0"),
                        metrics.lines().filter(l -> l.startsWith("egret_audit")).toList().toString());
                assertTrue(metrics.contains("egret_audit_duplicate_events_total 1.0"), "the re-sent record");

                controller.kill();
                produce(producer, "k2-", 200); // while the controller is down
                long restart = System.nanoTime();
                controller.start();
                awaitStored(controller, token, 500);
                System.out.printf("kafka IT: the 200 records produced during the outage were stored %d ms after the"
                        + " restart began%n", (System.nanoTime() - restart) / 1_000_000);
                Set<String> ids = AuditCrashIT.storedIds(controller, token);
                assertTrue(ids.contains("k1-0") && ids.contains("k2-199"), "both phases stored");

                String posted = "[" + event("via-http", "egret/kafka-0", 1) + "]";
                assertEquals(200, controller.send("POST", "/api/v1/events", token, "application/json", posted)
                        .statusCode(), "the REST ingest works in kafka mode too");
                String deps = controller.get("/api/v1/dependencies?workload=egret/kafka-1", token).body();
                assertTrue(deps.contains("\"destination\":\"registry.example.com\""), deps);
            }
        }
    }
}
