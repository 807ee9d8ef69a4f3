package dev.egret.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;

/** The JSON forms of dependencies and replay reports, as the controller serves them. */
public final class AuditJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditJson() {
    }

    /** {@code {"workloads":[{"workload","policy","mode","nodes","destinations":[...]}]}}. */
    public static ObjectNode dependencies(List<WorkloadDependencies> workloads) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode items = root.putArray("workloads");
        for (WorkloadDependencies w : workloads) {
            ObjectNode wn = items.addObject();
            wn.put("workload", w.workload());
            wn.put("policy", w.policy());
            wn.put("mode", w.mode());
            strings(wn.putArray("nodes"), w.nodes());
            ArrayNode dests = wn.putArray("destinations");
            for (DependencyEntry d : w.destinations()) {
                ObjectNode dn = dests.addObject();
                dn.put("destination", d.destination());
                dn.put("name", d.name());
                dn.put("address", d.address());
                strings(dn.putArray("addresses"), d.addresses());
                dn.put("port", d.port());
                dn.put("protocol", d.protocol());
                strings(dn.putArray("kinds"), d.kinds());
                dn.put("count", d.count());
                time(dn, "firstSeen", d.firstSeen());
                time(dn, "lastSeen", d.lastSeen());
                ObjectNode v = dn.putObject("verdicts");
                d.verdicts().forEach(v::put);
                strings(dn.putArray("flags"), d.flags());
            }
        }
        return root;
    }

    public static ObjectNode replay(ReplayReport r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("policy", r.policy());
        root.put("proposedMode", r.proposedMode());
        strings(root.putArray("workloads"), r.workloads());
        ReplayReport.Totals t = r.totals();
        ObjectNode tn = root.putObject("totals");
        tn.put("calls", t.calls());
        tn.put("destinations", t.destinations());
        tn.put("allow", t.allow());
        tn.put("deny", t.deny());
        tn.put("auditDeny", t.auditDeny());
        tn.put("newlyDenied", t.newlyDenied());
        tn.put("newlyAllowed", t.newlyAllowed());
        ArrayNode denied = root.putArray("denied");
        for (ReplayItem i : r.denied()) {
            ObjectNode n = denied.addObject();
            n.put("workload", i.workload());
            n.put("kind", i.kind().wireName());
            n.put("destination", i.destination());
            n.put("name", i.name());
            n.put("address", i.address());
            n.put("port", i.port());
            n.put("protocol", i.protocol());
            n.put("count", i.count());
            time(n, "firstSeen", i.firstSeen());
            time(n, "lastSeen", i.lastSeen());
            n.put("recordedVerdict", i.recorded().wireName());
            n.put("verdict", i.verdict().wireName());
            n.put("rule", i.rule());
            n.put("reason", i.reason());
        }
        return root;
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }

    private static void time(ObjectNode n, String field, Instant t) {
        n.put(field, t == null ? null : t.toString());
    }
}
