package dev.egret.node.agent;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    @Test
    void aSystemPropertyWinsOverTheEnvironmentWhichMayUseEitherName() {
        Properties props = new Properties();
        props.setProperty("egret.node.dns-port", "5353");
        Settings s = Settings.of(props, Map.of("egret.node.dns-port", "1", "egret.node.pods", "off",
                "EGRET_NODE_DNS_GRACE", "7s", "EGRET_NODE_NAME", "  "));
        assertEquals(5353, s.integer("egret.node.dns-port", 0));
        assertEquals("off", s.string("egret.node.pods", "auto"), "the exact name, as the DaemonSet sets it");
        assertEquals(Duration.ofSeconds(7), s.duration("egret.node.dns-grace", Duration.ZERO), "upper case, _ for . and -");
        assertEquals(Optional.empty(), s.get("egret.node.name"), "blank is unset");
        assertEquals(Path.of("/x"), s.path("egret.node.state-dir", Path.of("/x")));
    }

    @Test
    void theLowerCaseUnderscoreNameIsLookedUpToo() {
        Settings s = Settings.of(new Properties(), Map.of("egret_node_dns_port", "5300"));
        assertEquals(5300, s.integer("egret.node.dns-port", 0));
    }

    @Test
    void booleansTakeTheUsualSpellingsAndNothingElse() {
        Settings s = Settings.of(Map.of("a", "YES", "b", "off", "c", "1", "d", "maybe"));
        assertTrue(s.bool("a", false));
        assertEquals(false, s.bool("b", true));
        assertTrue(s.bool("c", false));
        assertThrows(IllegalArgumentException.class, () -> s.bool("d", true));
    }

    @Test
    void durationsTakeUnitsPlainSecondsAndIso() {
        Settings s = Settings.of(Map.of("a", "250ms", "b", "3", "c", "2m", "d", "PT1.5S", "e", "1h", "f", "1.5s",
                "g", "5S", "h", "0.5m"));
        assertEquals(Duration.ofMillis(1500), s.duration("f", null));
        assertEquals(Duration.ofSeconds(5), s.duration("g", null));
        assertEquals(Duration.ofSeconds(30), s.duration("h", null));
        assertEquals(Duration.ofMillis(250), s.duration("a", null));
        assertEquals(Duration.ofSeconds(3), s.duration("b", null));
        assertEquals(Duration.ofMinutes(2), s.duration("c", null));
        assertEquals(Duration.ofMillis(1500), s.duration("d", null));
        assertEquals(Duration.ofHours(1), s.duration("e", null));
    }

    @Test
    void aValueThatDoesNotParseNamesItsKey() {
        Settings s = Settings.of(Map.of("egret.node.dns-port", "53x", "egret.node.dns-grace", "soon",
                "egret.node.pods-server-side-selector", "maybe", "egret.node.controller-url", "not a url"));
        assertEquals("egret.node.dns-port: '53x' is not an integer",
                assertThrows(IllegalArgumentException.class, () -> s.integer("egret.node.dns-port", 0)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.duration("egret.node.dns-grace", null))
                .getMessage().startsWith("egret.node.dns-grace: 'soon' is not a duration"));
        assertEquals("egret.node.pods-server-side-selector: 'maybe' is not true or false",
                assertThrows(IllegalArgumentException.class, () -> s.bool("egret.node.pods-server-side-selector", true)).getMessage());
        assertEquals("egret.node.controller-url: 'not a url' is not a URL",
                assertThrows(IllegalArgumentException.class, () -> s.uri("egret.node.controller-url")).getMessage());
    }

    @Test
    void theAgentsSettingsAreCheckedAtStart() {
        assertEquals("egret.node.map-sizes: 'egret_allow4' is not name=entries", assertThrows(IllegalArgumentException.class,
                () -> new NodeConfig(Settings.of(Map.of("egret.node.map-sizes", "egret_allow4")))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new NodeConfig(Settings.of(Map.of("egret.events.transport", "smtp")))).getMessage()
                .startsWith("egret.events.transport:"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new NodeConfig(Settings.of(Map.of("egret.node.http-port", "70000")))).getMessage()
                .contains("egret.node.http-port"));
        assertEquals("egret.node.reconcile-interval must be positive, not PT0S", assertThrows(IllegalArgumentException.class,
                () -> new NodeConfig(Settings.of(Map.of("egret.node.reconcile-interval", "0s")))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new NodeConfig(Settings.of(Map.of("egret.node.dns-grace", "PT-1S")))).getMessage()
                .startsWith("egret.node.dns-grace must not be negative"));
        NodeConfig defaults = new NodeConfig(Settings.of(Map.of()));
        assertEquals(9190, defaults.httpPort());
        assertEquals(Duration.ofSeconds(5), defaults.dnsGrace());
        assertEquals("egret.audit", defaults.kafkaTopic());
        assertEquals(Map.of("bootstrap.servers", "localhost:9092"), defaults.kafkaProperties());
    }

    @Test
    void everyKafkaSettingReachesTheProducer() {
        Properties props = new Properties();
        props.setProperty("kafka.bootstrap.servers", "b1:9093,b2:9093");
        NodeConfig c = new NodeConfig(Settings.of(props, Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "kafka.sasl.mechanism", "SCRAM-SHA-512", "KAFKA_BOOTSTRAP_SERVERS", "ignored:1", "EGRET_NODE_NAME", "n")));
        assertEquals(Map.of("bootstrap.servers", "b1:9093,b2:9093", "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512"), c.kafkaProperties(), "a system property wins over the environment");
    }
}
