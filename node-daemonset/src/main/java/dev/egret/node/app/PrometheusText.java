package dev.egret.node.app;

import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.CollectorRegistry;

import java.util.Collections;
import java.util.Locale;

/**
 * The Prometheus text format 0.0.4 of a registry, as Prometheus documents it: label sets without the trailing comma
 * the simpleclient's own writer leaves ({@code {a="b"}}, not {@code {a="b",}}), counters named {@code *_total}.
 * OpenMetrics-only samples ({@code *_created}) are left out.
 */
final class PrometheusText {
    private PrometheusText() {
    }

    static String of(CollectorRegistry registry) {
        StringBuilder out = new StringBuilder(16 * 1024);
        for (MetricFamilySamples family : Collections.list(registry.metricFamilySamples())) {
            String name = family.type == Collector.Type.COUNTER ? family.name + "_total" : family.name;
            out.append("# HELP ").append(name).append(' ');
            escape(out, family.help, false);
            out.append("\n# TYPE ").append(name).append(' ').append(type(family.type)).append('\n');
            String created = family.name + "_created";
            for (MetricFamilySamples.Sample s : family.samples) {
                if (s.name.equals(created)) {
                    continue;
                }
                out.append(s.name);
                if (!s.labelNames.isEmpty()) {
                    out.append('{');
                    for (int i = 0; i < s.labelNames.size(); i++) {
                        out.append(i == 0 ? "" : ",").append(s.labelNames.get(i)).append("=\"");
                        escape(out, s.labelValues.get(i), true);
                        out.append('"');
                    }
                    out.append('}');
                }
                out.append(' ').append(Collector.doubleToGoString(s.value)).append('\n');
            }
        }
        return out.toString();
    }

    private static String type(Collector.Type t) {
        return switch (t) {
            case COUNTER, GAUGE, SUMMARY, HISTOGRAM -> t.name().toLowerCase(Locale.ROOT);
            default -> "untyped";
        };
    }

    /** Backslash and newline always, the double quote in label values. */
    private static void escape(StringBuilder out, String s, boolean quote) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '"' -> out.append(quote ? "\\\"" : "\"");
                default -> out.append(c);
            }
        }
    }
}
