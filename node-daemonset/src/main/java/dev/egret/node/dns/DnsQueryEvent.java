package dev.egret.node.dns;

import dev.egret.policy.Verdict;

import java.time.Instant;

/** One DNS query as the proxy saw and decided it; in the same stream as connect events. */
public record DnsQueryEvent(Instant time, String workload, long cgroupId, int pid, String name, String type,
                            Verdict verdict, String rule, String reason, int learnedAddresses) {
}
