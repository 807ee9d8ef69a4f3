package dev.egret.node.dns;

import dev.egret.policy.Verdict;

import java.time.Instant;

/**
 * One DNS query as the proxy saw and decided it; in the same stream as connect events.
 *
 * @param command  the asking process's name ({@code /proc/<pid>/comm} when the query arrived), or null
 * @param protocol {@code udp} or {@code tcp}: how the workload asked
 * @param learnedAddresses how many addresses of the answer were allowed for the workload
 */
public record DnsQueryEvent(Instant time, String workload, String policy, long cgroupId, int pid, String command,
                            String name, String type, String protocol, Verdict verdict, String rule, String reason,
                            int learnedAddresses) {
}
