package dev.egret.controller.store;

import java.time.Instant;

/**
 * One entry of the append-only change log.
 *
 * @param time       when the change was acknowledged
 * @param subject    who made it (the token's subject)
 * @param action     {@code create}, {@code update} or {@code delete}
 * @param name       the policy's name
 * @param oldResourceVersion the policy's version before, 0 for a create
 * @param newResourceVersion the store version of the change
 */
public record ChangeRecord(Instant time, String subject, String action, String name,
                           long oldResourceVersion, long newResourceVersion) {
}
