package dev.egret.audit;

import dev.egret.policy.Cidr;
import dev.egret.policy.DnsNames;

import java.util.ArrayList;
import java.util.List;

/**
 * What a receiver checks on an event beyond its JSON shape (which {@link AuditEventCodec} checks): bounded identifiers,
 * a real IP literal, a valid DNS name. Each problem is reported as {@code field: message}.
 */
public final class AuditEventChecks {
    public static final int MAX_ID = 256;
    public static final int MAX_TEXT = 1024;

    private AuditEventChecks() {
    }

    /** The problems of one event, empty when it is acceptable. */
    public static List<String> problems(AuditEvent e) {
        List<String> out = new ArrayList<>();
        bounded(out, "id", e.id(), MAX_ID, true);
        bounded(out, "node", e.node(), MAX_ID, true);
        bounded(out, "workload", e.workload(), MAX_TEXT, true);
        bounded(out, "policy", e.policy(), MAX_ID, false);
        bounded(out, "command", e.command(), MAX_TEXT, false);
        bounded(out, "rule", e.rule(), MAX_ID, false);
        bounded(out, "reason", e.reason(), MAX_TEXT, false);
        bounded(out, "protocol", e.protocol(), 16, false);
        bounded(out, "queryType", e.queryType(), 16, false);
        if (e.address() != null) {
            try {
                Cidr.parseAddress(e.address());
            } catch (IllegalArgumentException ex) {
                out.add("address: " + ex.getMessage());
            }
        }
        if (e.name() != null) {
            try {
                DnsNames.validate(DnsNames.normalize(e.name()));
            } catch (IllegalArgumentException ex) {
                out.add("name: " + ex.getMessage());
            }
        }
        if (e.firstSeen().isAfter(e.time())) {
            out.add("firstSeen: after time");
        }
        return out;
    }

    private static void bounded(List<String> out, String field, String value, int max, boolean required) {
        if (value == null) {
            return;
        }
        if (required && value.isBlank()) {
            out.add(field + ": must not be empty");
        } else if (value.length() > max) {
            out.add(field + ": longer than " + max + " characters");
        }
    }
}
