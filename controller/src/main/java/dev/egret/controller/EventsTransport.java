package dev.egret.controller;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;

import java.util.Set;

/**
 * Derives the Kafka channel's {@code enabled} attribute from {@code egret.events.transport}: the channel (and so any
 * connection to a broker) exists only with {@code kafka}. Registered as a SmallRye Config interceptor (ServiceLoader).
 */
public class EventsTransport implements ConfigSourceInterceptor {
    public static final String HTTP = "http";
    public static final String KAFKA = "kafka";
    public static final String PROPERTY = "egret.events.transport";
    static final String KAFKA_ENABLED = "mp.messaging.incoming.audit-kafka.enabled";

    /** The transport named, or IllegalArgumentException naming the property. */
    public static String check(String transport) {
        if (!Set.of(HTTP, KAFKA).contains(transport)) {
            throw new IllegalArgumentException(PROPERTY + " must be 'http' or 'kafka', not '" + transport + "'");
        }
        return transport;
    }

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        if (!KAFKA_ENABLED.equals(name)) {
            return context.proceed(name);
        }
        ConfigValue transport = context.proceed(PROPERTY);
        boolean kafka = transport != null && KAFKA.equals(transport.getValue());
        return ConfigValue.builder().withName(name).withValue(Boolean.toString(kafka)).build();
    }
}
