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
