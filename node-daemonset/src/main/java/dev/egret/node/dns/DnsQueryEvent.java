package dev.egret.node.dns;

import dev.egret.policy.Verdict;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;

/**
 * One DNS query as the proxy saw and decided it; in the same stream as connect events.
 *
 * @param command  the asking task's command ({@code comm}), as the kernel recorded it when the query was sent, or null
 * @param protocol {@code udp} or {@code tcp}: how the workload asked
 * @param learned  the answer's addresses that were allowed for the workload (empty when none were)
 */
public record DnsQueryEvent(Instant time, String workload, String policy, long cgroupId, int pid, String command,
                            String name, String type, String protocol, Verdict verdict, String rule, String reason,
                            List<InetAddress> learned) {
    public DnsQueryEvent {
        learned = List.copyOf(learned);
    }

    public int learnedAddresses() {
        return learned.size();
    }
}
