package dev.egret.controller.auth;

import java.util.Optional;

/**
 * The authenticated caller of a request. A node token whose subject is {@code node:<name>} is bound to that node: it
 * may register only that node and post only that node's events, so one compromised node cannot speak for another. A
 * node token with any other subject is shared by the nodes that hold it.
 */
public record Caller(String subject, Role role) {
    private static final String NODE_PREFIX = "node:";

    /** The one node this caller may act as; empty when it is not a node-bound token. */
    public Optional<String> boundNode() {
        return role == Role.NODE && subject.startsWith(NODE_PREFIX) && subject.length() > NODE_PREFIX.length()
                ? Optional.of(subject.substring(NODE_PREFIX.length())) : Optional.empty();
    }

    /** Whether this caller may act as {@code node}: any node unless the token is bound to one. */
    public boolean mayActAs(String node) {
        return boundNode().map(n -> n.equals(node)).orElse(true);
    }
}
