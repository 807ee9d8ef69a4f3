package dev.egret.audit;

import dev.egret.policy.Verdict;

import java.time.Instant;
import java.util.Objects;

/**
 * One entry of the audit stream, the contract between node agents and the controller (JSON on the wire and in the
 * journals, see {@link AuditEventCodec}). A node may fold identical events of one window into one entry: {@code count}
 * of them, the first at {@code firstSeen}, the last at {@code time}. An allowed entry counts its first occurrence and
 * its repeats; a denied decision is stored at once (count 1) and its repeats, if any, as a further entry whose
 * {@code count}, {@code firstSeen} and {@code time} are those of the repeats alone.
 *
 * @param id        unique per node and stable across redelivery ({@code <node>-<sequence>}), so receivers drop duplicates
 * @param time      when it happened (the last occurrence when {@code count > 1})
 * @param node      the node agent that saw it
 * @param workload  the policed workload (cgroup path relative to the cgroup2 root, or namespace/pod)
 * @param policy    the policy that decided, or null when none was bound
 * @param kind      a connect or send, a DNS query, or a socket creation
 * @param name      the DNS name: the query name of a DNS event, the name an address was learned from for a connect
 *                  (when known), else null
 * @param queryType the DNS query type (A, AAAA, ...) of a DNS event, else null
 * @param address   the destination IP of a connect or send, else null
 * @param port      the destination port (0 when none)
 * @param protocol  {@code tcp}, {@code udp}, {@code icmp}, ... ({@code udp} or {@code tcp} for DNS: how it was asked)
 * @param rule      the field path of the rule that decided, or {@code default-deny}
 * @param reason    a sentence a human reads
 */
public record AuditEvent(String id, Instant time, Instant firstSeen, long count, String node, String workload,
                         String policy, long cgroupId, int pid, String command, Kind kind, String name,
                         String queryType, String address, int port, String protocol, Verdict verdict, String rule,
                         String reason) {

    public enum Kind {
        CONNECT, DNS, SOCKET;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public AuditEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(workload, "workload");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(verdict, "verdict");
        firstSeen = firstSeen == null ? time : firstSeen;
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /** The same event under another id (the journal numbers events as it stores them). */
    public AuditEvent withId(String newId) {
        return new AuditEvent(newId, time, firstSeen, count, node, workload, policy, cgroupId, pid, command, kind, name,
                queryType, address, port, protocol, verdict, rule, reason);
    }

    /** The same event folded with {@code more} later occurrences, the last at {@code last}. */
    public AuditEvent plus(long more, Instant last) {
        return new AuditEvent(id, last.isAfter(time) ? last : time, firstSeen, count + more, node, workload, policy,
                cgroupId, pid, command, kind, name, queryType, address, port, protocol, verdict, rule, reason);
    }

    /**
     * The repeats of an event already reported: {@code times} more occurrences, the first at {@code from}, the last at
     * {@code to} (a denied connect retried in a loop is reported once at once, its repeats as one such event).
     */
    public AuditEvent repeats(long times, Instant from, Instant to) {
        return new AuditEvent(id, to, from, times, node, workload, policy, cgroupId, pid, command, kind, name, queryType,
                address, port, protocol, verdict, rule, reason);
    }

    /** What the workload reached for: the name when known, else the address. */
    public String destination() {
        return name != null ? name : address;
    }
}
