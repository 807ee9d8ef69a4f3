package dev.egret.node.dns;

import dev.egret.node.datapath.PortRange;
import dev.egret.policy.Verdict;

import java.util.Set;

/**
 * What a policy says about a DNS name.
 *
 * @param ports the port ranges the name's addresses are allowed on (from every allow rule that matches the name)
 */
public record NameDecision(Verdict verdict, String rule, String reason, Set<PortRange> ports) {
}
