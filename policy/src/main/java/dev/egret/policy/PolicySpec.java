package dev.egret.policy;

import java.util.List;

/**
 * What a policy says.
 *
 * @param egress   allow rules
 * @param deny     deny rules; a deny always wins over an allow
 * @param protects names or patterns of the services the workload exists to repair: depending on them is circular
 * @param allowRawSockets whether the workload may open raw and packet sockets (default false: refused)
 * @param limits   cgroup resource limits, or null
 */
public record PolicySpec(Mode mode, Workloads workloads, List<Rule> egress, List<Rule> deny, List<String> protects,
                         boolean allowRawSockets, Limits limits, DnsSettings dns) {
    public PolicySpec {
        mode = mode == null ? Mode.ENFORCE : mode;
        workloads = workloads == null ? Workloads.NONE : workloads;
        egress = egress == null ? List.of() : List.copyOf(egress);
        deny = deny == null ? List.of() : List.copyOf(deny);
        protects = protects == null ? List.of() : List.copyOf(protects);
        dns = dns == null ? DnsSettings.DEFAULT : dns;
    }
}
