package dev.egret.node.cgroup;

/** A cgroup that cannot be created, limited, joined or removed. */
public class CgroupException extends RuntimeException {
    public CgroupException(String message, Throwable cause) {
        super(message, cause);
    }

    public CgroupException(String message) {
        super(message);
    }
}
