package dev.egret.policy;

import java.util.List;

/**
 * An allow or deny rule: destinations by name ({@code toFQDNs}) and/or by address ({@code toCIDR}), optionally
 * narrowed to ports. A rule with no ports covers every port and protocol.
 */
public record Rule(List<FqdnSelector> toFQDNs, List<String> toCIDR, List<PortRule> toPorts) {
    public Rule {
        toFQDNs = toFQDNs == null ? List.of() : List.copyOf(toFQDNs);
        toCIDR = toCIDR == null ? List.of() : List.copyOf(toCIDR);
        toPorts = toPorts == null ? List.of() : List.copyOf(toPorts);
    }

    /** True when the rule's ports cover {@code port}/{@code protocol}. */
    public boolean coversPort(int port, Protocol protocol) {
        return toPorts.isEmpty() || toPorts.stream().anyMatch(p -> p.covers(port, protocol));
    }
}
