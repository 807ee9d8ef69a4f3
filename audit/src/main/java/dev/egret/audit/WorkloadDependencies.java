package dev.egret.audit;

import java.util.List;

/**
 * A workload and every destination it was seen to reach for.
 *
 * @param policy the policy named by the workload's latest event, or null
 * @param mode   that policy's mode as the controller holds it now, or null when it holds no such policy
 * @param nodes  the nodes that reported the workload
 */
public record WorkloadDependencies(String workload, String policy, String mode, List<String> nodes,
                                   List<DependencyEntry> destinations) {

    public long circularCount() {
        return destinations.stream().filter(DependencyEntry::circular).count();
    }
}
