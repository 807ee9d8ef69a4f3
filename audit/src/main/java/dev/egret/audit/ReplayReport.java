package dev.egret.audit;

import java.util.List;

/**
 * What a proposed policy would have done to the recorded calls of a policy's workloads.
 *
 * @param denied the calls the proposal denies (or, in audit mode, would deny), most frequent first
 */
public record ReplayReport(String policy, String proposedMode, List<String> workloads, Totals totals,
                           List<ReplayItem> denied) {

    /**
     * Counts of calls (an event folded from N occurrences counts N).
     *
     * @param destinations distinct (workload, kind, destination, port, protocol, recorded verdict) groups
     * @param newlyDenied  calls recorded as allowed that the proposal does not allow
     * @param newlyAllowed calls recorded as denied or audit-denied that the proposal allows
     */
    public record Totals(long calls, long destinations, long allow, long deny, long auditDeny, long newlyDenied,
                         long newlyAllowed) {
    }
}
