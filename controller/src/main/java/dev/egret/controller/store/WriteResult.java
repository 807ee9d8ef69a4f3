package dev.egret.controller.store;

import dev.egret.policy.EgressPolicy;

/**
 * The outcome of an acknowledged write.
 *
 * @param policy       the policy as stored (for a delete: the policy as it was)
 * @param oldVersion   the policy's version before the write, 0 when it was created
 * @param newVersion   the store version the write was given
 * @param created      true when a put created the policy
 */
public record WriteResult(EgressPolicy policy, long oldVersion, long newVersion, boolean created) {
}
