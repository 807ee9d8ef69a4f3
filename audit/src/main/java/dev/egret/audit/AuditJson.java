package dev.egret.audit;

import dev.egret.policy.json.JsonWriter;

import java.time.Instant;
import java.util.List;

/** The JSON forms of dependencies and replay reports, as the controller serves them. */
public final class AuditJson {
    private AuditJson() {
    }

    /** {@code {"workloads":[{"workload","policy","mode","nodes","destinations":[...]}]}}. */
    public static String dependencies(List<WorkloadDependencies> workloads) {
        JsonWriter w = new JsonWriter();
        w.beginObject().name("workloads").beginArray();
        for (WorkloadDependencies wd : workloads) {
            w.beginObject().field("workload", wd.workload()).field("policy", wd.policy()).field("mode", wd.mode());
            strings(w, "nodes", wd.nodes());
            w.name("destinations").beginArray();
            for (DependencyEntry d : wd.destinations()) {
                w.beginObject().field("destination", d.destination()).field("name", d.name())
                        .field("address", d.address());
                strings(w, "addresses", d.addresses());
                w.field("port", d.port()).field("protocol", d.protocol());
                strings(w, "kinds", d.kinds());
                w.field("count", d.count());
                time(w, "firstSeen", d.firstSeen());
                time(w, "lastSeen", d.lastSeen());
                w.name("verdicts").beginObject();
                d.verdicts().forEach((k, v) -> w.field(k, v));
                w.endObject();
                strings(w, "flags", d.flags());
                w.endObject();
            }
            w.endArray().endObject();
        }
        return w.endArray().endObject().toString();
    }

    public static String replay(ReplayReport r) {
        JsonWriter w = new JsonWriter();
        w.beginObject().field("policy", r.policy()).field("proposedMode", r.proposedMode());
        strings(w, "workloads", r.workloads());
        ReplayReport.Totals t = r.totals();
        w.name("totals").beginObject().field("calls", t.calls()).field("destinations", t.destinations())
                .field("allow", t.allow()).field("deny", t.deny()).field("auditDeny", t.auditDeny())
                .field("newlyDenied", t.newlyDenied()).field("newlyAllowed", t.newlyAllowed()).endObject();
        w.name("denied").beginArray();
        for (ReplayItem i : r.denied()) {
            w.beginObject().field("workload", i.workload()).field("kind", i.kind().wireName())
                    .field("destination", i.destination()).field("name", i.name()).field("address", i.address())
                    .field("port", i.port()).field("protocol", i.protocol()).field("count", i.count());
            time(w, "firstSeen", i.firstSeen());
            time(w, "lastSeen", i.lastSeen());
            w.field("recordedVerdict", i.recorded().wireName()).field("verdict", i.verdict().wireName())
                    .field("rule", i.rule()).field("reason", i.reason()).endObject();
        }
        return w.endArray().endObject().toString();
    }

    private static void strings(JsonWriter w, String field, List<String> values) {
        w.name(field).beginArray();
        values.forEach(w::value);
        w.endArray();
    }

    private static void time(JsonWriter w, String field, Instant t) {
        w.field(field, t == null ? null : t.toString());
    }
}
