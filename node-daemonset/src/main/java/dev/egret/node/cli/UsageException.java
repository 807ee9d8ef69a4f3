package dev.egret.node.cli;

/** A command line the CLI cannot run; its message tells the user what to change. */
public class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
