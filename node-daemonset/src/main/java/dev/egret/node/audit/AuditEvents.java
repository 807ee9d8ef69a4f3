package dev.egret.node.audit;

import dev.egret.audit.AuditEvent;
import dev.egret.node.datapath.EgressEvent;
import dev.egret.node.dns.DnsQueryEvent;

import java.time.Instant;

/** Turns the node's kernel and DNS events into entries of the audit stream (ids are the journal's to give). */
public final class AuditEvents {
    private static final String DRAFT = "draft";

    private AuditEvents() {
    }

    /**
     * @param name the DNS name the destination address was learned from, when known
     */
    public static AuditEvent connect(String node, EgressEvent e, Instant time, String workload, String policy,
                                     String name, String rule, String reason) {
        AuditEvent.Kind kind = e.hook() == EgressEvent.Hook.SOCK_CREATE ? AuditEvent.Kind.SOCKET : AuditEvent.Kind.CONNECT;
        return new AuditEvent(DRAFT, time, null, 1, node, workload, policy, e.cgroupId(), e.pid(),
                e.comm().isEmpty() ? null : e.comm(), kind, name, null,
                e.address() == null ? null : e.address().getHostAddress(), e.port(), e.protocolName(), e.verdict(), rule,
                reason);
    }

    public static AuditEvent dns(String node, DnsQueryEvent e, String policy, String protocol) {
        return new AuditEvent(DRAFT, e.time(), null, 1, node, e.workload(), policy, e.cgroupId(), e.pid(), e.command(),
                AuditEvent.Kind.DNS, e.name(), e.type(), null, 53, protocol, e.verdict(), e.rule(), e.reason());
    }
}
