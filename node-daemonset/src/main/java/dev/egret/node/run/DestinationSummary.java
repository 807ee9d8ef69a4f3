package dev.egret.node.run;

import dev.egret.node.datapath.EgressEvent;
import dev.egret.policy.Verdict;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every destination a workload tried, with verdicts and counts: what {@code egret run} prints at the end. */
public final class DestinationSummary {
    public record Row(String destination, int port, String protocol, Verdict verdict, String reason, long count) {
    }

    private record Key(String destination, int port, String protocol, Verdict verdict) {
    }

    private final Map<Key, long[]> counts = new LinkedHashMap<>();
    private final Map<Key, String> reasons = new LinkedHashMap<>();

    public synchronized void add(EgressEvent e, String reason) {
        String dest = e.address() == null ? "(" + e.hook().name().toLowerCase() + ")" : e.address().getHostAddress();
        Key k = new Key(dest, e.port(), e.protocolName(), e.verdict());
        counts.computeIfAbsent(k, x -> new long[1])[0]++;
        reasons.putIfAbsent(k, reason);
    }

    /** A DNS query: the name is the destination, the protocol {@code dns}. */
    public synchronized void addName(dev.egret.node.dns.DnsQueryEvent e) {
        Key k = new Key(e.name() + " (" + e.type() + ")", 53, "dns", e.verdict());
        counts.computeIfAbsent(k, x -> new long[1])[0]++;
        reasons.putIfAbsent(k, e.reason());
    }

    public synchronized List<Row> rows() {
        List<Row> out = new ArrayList<>();
        counts.forEach((k, c) -> out.add(new Row(k.destination(), k.port(), k.protocol(), k.verdict(), reasons.get(k), c[0])));
        out.sort(Comparator.comparing((Row r) -> r.verdict().ordinal()).reversed()
                .thenComparing(Row::destination).thenComparingInt(Row::port));
        return out;
    }

    public synchronized long total(Verdict v) {
        return counts.entrySet().stream().filter(e -> e.getKey().verdict() == v).mapToLong(e -> e.getValue()[0]).sum();
    }

    /** A fixed-width table for a terminal. */
    public String render() {
        List<Row> rows = rows();
        if (rows.isEmpty()) {
            return "  (no outbound connections)\n";
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("  %-10s %-40s %5s %-6s %6s  %s%n", "VERDICT", "DESTINATION", "PORT", "PROTO", "COUNT", "REASON"));
        for (Row r : rows) {
            sb.append(String.format("  %-10s %-40s %5d %-6s %6d  %s%n", r.verdict().wireName(), r.destination(), r.port(),
                    r.protocol(), r.count(), r.reason()));
        }
        return sb.toString();
    }
}
