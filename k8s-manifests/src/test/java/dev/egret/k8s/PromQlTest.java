package dev.egret.k8s;

import dev.egret.k8s.PromQl.LabelMatcher;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The metric-name reader the rule and dashboard checks rely on. */
class PromQlTest {

    @Test
    void findsMetricsNotFunctionsLabelsOrDurations() {
        PromQl.Refs r = PromQl.refs("""
                sum by (node, le) (rate(egret_dns_errors_total{reason=~"a|b", node=~"$node"}[$__rate_interval] offset 5m))
                  / on (node) group_left (x) (egret_dns_queries_total > 0.5) unless absent(up{job="j"}) or vector(1)
                """);
        assertEquals(List.of("egret_dns_errors_total", "egret_dns_queries_total", "up"), r.metrics());
        assertEquals(List.of(new LabelMatcher("reason", "=~", "a|b"), new LabelMatcher("node", "=~", "$node"),
                new LabelMatcher("job", "=", "j")), r.matchers());
    }

    @Test
    void recordedNamesAndStringsAreRead() {
        assertEquals(List.of("node:egret_x:rate5m"), PromQl.refs("histogram_quantile(0.99, node:egret_x:rate5m)").metrics());
        assertEquals(List.of("a_b"), PromQl.refs("label_replace(a_b, \"dst\", \"$1\", \"src\", \"(.*)\")").metrics());
    }

    @Test
    void refusesMatchersItCannotRead() {
        assertThrows(IllegalArgumentException.class, () -> PromQl.refs("up{job=j}"));
    }
}
