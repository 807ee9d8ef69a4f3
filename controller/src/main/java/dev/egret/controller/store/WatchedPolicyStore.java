package dev.egret.controller.store;

import dev.egret.policy.EgressPolicy;

import java.util.List;
import java.util.Optional;

/** A policy store that wakes the {@link PolicyWatch} after every acknowledged write. */
public final class WatchedPolicyStore implements PolicyStore {
    private final PolicyStore store;
    private final PolicyWatch watch;

    public WatchedPolicyStore(PolicyStore store, PolicyWatch watch) {
        this.store = store;
        this.watch = watch;
    }

    @Override
    public List<EgressPolicy> list() {
        return store.list();
    }

    @Override
    public Optional<EgressPolicy> get(String name) {
        return store.get(name);
    }

    @Override
    public long resourceVersion() {
        return store.resourceVersion();
    }

    @Override
    public WriteResult put(EgressPolicy policy, Precondition expectedVersion, String subject) {
        WriteResult r;
        try {
            r = store.put(policy, expectedVersion, subject);
        } catch (StoreWriteException e) {
            changedIfApplied(e);
            throw e;
        }
        watch.changed();
        return r;
    }

    @Override
    public Optional<WriteResult> delete(String name, Precondition expectedVersion, String subject) {
        Optional<WriteResult> r;
        try {
            r = store.delete(name, expectedVersion, subject);
        } catch (StoreWriteException e) {
            changedIfApplied(e);
            throw e;
        }
        r.ifPresent(x -> watch.changed());
        return r;
    }

    /** A write applied but not confirmed durable is visible, so watchers hear of it like of any other. */
    private void changedIfApplied(StoreWriteException e) {
        if (e.applied()) {
            watch.changed();
        }
    }

    @Override
    public List<ChangeRecord> changes() {
        return store.changes();
    }

    @Override
    public Optional<ChangeRecord> lastChange() {
        return store.lastChange();
    }

    public PolicyWatch watch() {
        return watch;
    }
}
