package dev.egret.controller.store;

/** A conditional write whose precondition no longer holds; nothing was written. */
public class PreconditionFailedException extends RuntimeException {
    private final String name;
    private final long currentVersion;

    public PreconditionFailedException(String name, long currentVersion, Precondition expected) {
        super("policy '" + name + "' is at resourceVersion " + currentVersion
                + (currentVersion == 0 ? " (does not exist)" : "")
                + ", the request required " + (expected.version() == -1 ? "an existing policy"
                : expected.version() == 0 ? "that it not exist" : expected.version()));
        this.name = name;
        this.currentVersion = currentVersion;
    }

    public String name() {
        return name;
    }

    public long currentVersion() {
        return currentVersion;
    }
}
