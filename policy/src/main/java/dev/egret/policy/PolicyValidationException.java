package dev.egret.policy;

import java.util.List;
import java.util.stream.Collectors;

/** A document that is not a valid policy; lists every violation found. */
public final class PolicyValidationException extends RuntimeException {
    private final List<Violation> violations;

    public PolicyValidationException(List<Violation> violations) {
        super(violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
        if (violations.isEmpty()) {
            throw new IllegalArgumentException("a validation failure needs at least one violation");
        }
        this.violations = List.copyOf(violations);
    }

    public List<Violation> violations() {
        return violations;
    }
}
