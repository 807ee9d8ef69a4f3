package dev.egret.controller.store;

import dev.egret.policy.EgressPolicy;

import java.util.List;
import java.util.Optional;

/**
 * Durable home of the controller's policies.
 *
 * <p>Every write bumps one store-wide monotonic resource version and is durable when the method
 * returns: an acknowledged write survives a crash. A write either applies completely or not at all.
 * Implementations are thread-safe.
 */
public interface PolicyStore {

    /** Policies ordered by name, each carrying its {@code metadata.resourceVersion}. */
    List<EgressPolicy> list();

    Optional<EgressPolicy> get(String name);

    /** The store's current resource version: the version of its latest write, 0 when never written. */
    long resourceVersion();

    /**
     * Creates or replaces a policy.
     *
     * @param expectedVersion when non-null, the write only applies if the policy's current version equals
     *                        it ({@link Precondition#mustExist()} for "any existing version")
     * @return the stored policy with its new resource version, and the version it replaced (0 if created)
     * @throws PreconditionFailedException when {@code expectedVersion} does not hold
     */
    WriteResult put(EgressPolicy policy, Precondition expectedVersion, String subject);

    /**
     * Deletes a policy.
     *
     * @return the result, or empty when no such policy exists
     * @throws PreconditionFailedException when {@code expectedVersion} does not hold
     */
    Optional<WriteResult> delete(String name, Precondition expectedVersion, String subject);

    /** The append-only change log, oldest first. */
    List<ChangeRecord> changes();

    /** The latest entry of the change log: when and by whom the store was last written. */
    Optional<ChangeRecord> lastChange();
}
