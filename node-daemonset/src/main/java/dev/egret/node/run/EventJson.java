package dev.egret.node.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.node.datapath.EgressEvent;

import java.time.Instant;

/** One audit-log line per event: the event as JSON. */
public final class EventJson {
    private static final ObjectMapper JSON = new ObjectMapper();

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
        ObjectNode n = JSON.createObjectNode();
        n.put("time", e.time().toString());
        n.put("type", "dns");
        n.put("workload", e.workload());
        n.put("policy", e.policy());
        n.put("cgroupId", e.cgroupId());
        n.put("pid", e.pid());
        n.put("command", e.command());
        n.put("name", e.name());
        n.put("queryType", e.type());
        n.put("protocol", e.protocol());
        n.put("verdict", e.verdict().wireName());
        n.put("rule", e.rule());
        n.put("reason", e.reason());
        n.put("learnedAddresses", e.learnedAddresses());
        return n.toString();
    }

    public static String line(EgressEvent e, Instant time, String workload, String rule, String reason) {
        ObjectNode n = JSON.createObjectNode();
        n.put("time", time.toString());
        n.put("type", "connect");
        n.put("workload", workload);
        n.put("cgroupId", e.cgroupId());
        n.put("pid", e.pid());
        n.put("command", e.comm());
        n.put("destination", e.address() == null ? null : e.address().getHostAddress());
        n.put("port", e.port());
        n.put("protocol", e.protocolName());
        n.put("hook", e.hook().name().toLowerCase());
        n.put("verdict", e.verdict().wireName());
        n.put("rule", rule);
        n.put("reason", reason);
        return n.toString();
    }
}
