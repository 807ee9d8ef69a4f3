package dev.egret.controller;

import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import org.junit.jupiter.api.Test;

import java.util.Iterator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EventsTransportTest {

    private static String kafkaEnabled(Map<String, String> config) {
        ConfigSourceInterceptorContext ctx = new ConfigSourceInterceptorContext() {
            @Override
            public ConfigValue proceed(String name) {
                String v = config.get(name);
                return v == null ? null : ConfigValue.builder().withName(name).withValue(v).build();
            }

            @Override
            public ConfigValue restart(String name) {
                return proceed(name);
            }

            @Override
            public Iterator<String> iterateNames() {
                return config.keySet().iterator();
            }
        };
        return new EventsTransport().getValue(ctx, EventsTransport.KAFKA_ENABLED).getValue();
    }

    @Test
    void theKafkaChannelExistsOnlyWithTheKafkaTransport() {
        assertEquals("false", kafkaEnabled(Map.of()), "http is the default: no broker");
        assertEquals("false", kafkaEnabled(Map.of("egret.events.transport", "http")));
        assertEquals("true", kafkaEnabled(Map.of("egret.events.transport", "kafka")));
        assertEquals("false", kafkaEnabled(Map.of("egret.events.transport", "kafka",
                EventsTransport.KAFKA_ENABLED, "true").entrySet().stream()
                .filter(e -> !e.getKey().equals("egret.events.transport"))
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue))),
                "the transport decides, not a stray default");
    }

    @Test
    void anUnknownTransportIsRefusedNamingTheProperty() {
        assertEquals("kafka", EventsTransport.check("kafka"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EventsTransport.check("amqp"));
        assertEquals("egret.events.transport must be 'http' or 'kafka', not 'amqp'", e.getMessage());
    }
}
