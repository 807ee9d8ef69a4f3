package dev.egret.controller.store;

/**
 * An optimistic-concurrency condition on a write, as carried by an {@code If-Match} header.
 *
 * @param version the resource version the policy must have; {@code -1} means "must exist, any version"
 */
public record Precondition(long version) {

    public static final Precondition NONE = null;

    public static Precondition mustExist() {
        return new Precondition(-1);
    }

    public static Precondition version(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("resource version must not be negative: " + v);
        }
        return new Precondition(v);
    }

    /** True when a policy whose current version is {@code current} (0 when absent) satisfies this condition. */
    public boolean holdsFor(long current) {
        return version == -1 ? current > 0 : current == version;
    }
}
