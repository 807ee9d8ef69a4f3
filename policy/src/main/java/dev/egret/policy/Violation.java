package dev.egret.policy;

/** One problem in a document: the field path ({@code spec.egress[0].toPorts[1].endPort}) and what is wrong. */
public record Violation(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
