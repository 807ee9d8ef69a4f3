package dev.egret.audit;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One destination a workload was seen to reach for, with everything recorded about it.
 *
 * @param destination the name when known, else the address ({@code socket} for a refused socket creation)
 * @param address     the address of an unnamed destination, null for a named one (see {@code addresses})
 * @param addresses   the addresses seen for a named destination (at most {@value DependencyAggregator#MAX_ADDRESSES})
 * @param port        null for a name that was only resolved, never connected to
 * @param protocol    null for a name that was only resolved
 * @param kinds       {@code connect}, {@code dns}, {@code socket}
 * @param count       how many times (a DNS query and a connect each count once)
 * @param verdicts    count per verdict ({@code allow}, {@code deny}, {@code audit-deny}), only those seen
 * @param flags       {@code circular} (the workload's policy protects it), {@code unlisted} (audit mode saw it
 *                    outside the allow rules)
 */
public record DependencyEntry(String destination, String name, String address, List<String> addresses, Integer port,
                              String protocol, List<String> kinds, long count, Instant firstSeen, Instant lastSeen,
                              Map<String, Long> verdicts, List<String> flags) {
    public static final String CIRCULAR = "circular";
    public static final String UNLISTED = "unlisted";

    public boolean circular() {
        return flags.contains(CIRCULAR);
    }
}
