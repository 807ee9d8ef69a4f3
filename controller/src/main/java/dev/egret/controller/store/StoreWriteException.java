package dev.egret.controller.store;

/**
 * A store write that failed on storage. {@link #applied()} tells whether the change nonetheless took effect (it is
 * visible and logged, but its durability could not be confirmed) or nothing was applied.
 */
public class StoreWriteException extends RuntimeException {
    private final boolean applied;

    public StoreWriteException(boolean applied, String message, Throwable cause) {
        super(message, cause);
        this.applied = applied;
    }

    public boolean applied() {
        return applied;
    }
}
