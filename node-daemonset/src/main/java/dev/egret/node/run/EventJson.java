package dev.egret.node.run;

import dev.egret.node.datapath.EgressEvent;
import dev.egret.policy.json.JsonWriter;

import java.time.Instant;

/** One audit-log line per event: the event as JSON. */
public final class EventJson {
    private EventJson() {
    }

    /**
     * The rule that decided, computed again in user space with the policy's compiled decider (an explanation costs
     * a few lookups, not a scan of the allow list); null for learned-IP and socket events.
     */
    public static dev.egret.policy.Decision explain(dev.egret.policy.PolicyDecider policy, EgressEvent e) {
        if (e.address() == null || e.reason() == EgressEvent.Reason.LEARNED) {
            return null;
        }
        dev.egret.policy.Protocol proto = e.protocol() == 6 ? dev.egret.policy.Protocol.TCP
                : e.protocol() == 17 ? dev.egret.policy.Protocol.UDP : dev.egret.policy.Protocol.ANY;
        return policy.decide(new dev.egret.policy.Destination(null, e.address(), e.port(), proto));
    }

    public static String line(dev.egret.node.dns.DnsQueryEvent e) {
        JsonWriter n = new JsonWriter().beginObject();
        n.field("time", e.time().toString());
        n.field("type", "dns");
        n.field("workload", e.workload());
        n.field("policy", e.policy());
        n.field("cgroupId", e.cgroupId());
        n.field("pid", e.pid());
        n.field("command", e.command());
        n.field("name", e.name());
        n.field("queryType", e.type());
        n.field("protocol", e.protocol());
        n.field("verdict", e.verdict().wireName());
        n.field("rule", e.rule());
        n.field("reason", e.reason());
        n.field("learnedAddresses", e.learnedAddresses());
        return n.endObject().toString();
    }

    public static String line(EgressEvent e, Instant time, String workload, String rule, String reason) {
        JsonWriter n = new JsonWriter().beginObject();
        n.field("time", time.toString());
        n.field("type", "connect");
        n.field("workload", workload);
        n.field("cgroupId", e.cgroupId());
        n.field("pid", e.pid());
        n.field("command", e.comm());
        n.field("destination", e.address() == null ? null : e.address().getHostAddress());
        n.field("port", e.port());
        n.field("protocol", e.protocolName());
        n.field("hook", e.hook().name().toLowerCase(java.util.Locale.ROOT));
        n.field("verdict", e.verdict().wireName());
        n.field("rule", rule);
        n.field("reason", reason);
        return n.endObject().toString();
    }
}
