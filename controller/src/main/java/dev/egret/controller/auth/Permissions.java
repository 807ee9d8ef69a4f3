package dev.egret.controller.auth;

import java.util.regex.Pattern;

/** Which role may call what: a pure function of role, method and path. */
public final class Permissions {
    private static final Pattern POLICY = Pattern.compile("/api/v1/policies(/[^/]+)?/?");
    private static final Pattern NODE = Pattern.compile("/api/v1/nodes/[^/]+");

    private Permissions() {
    }

    /**
     * Admin: everything. Viewer: reads, plus the what-if calls (decisions, replays). Node: reads policies (list, watch,
     * one policy), posts events, registers itself; nothing else.
     */
    public static boolean allows(Role role, String method, String path) {
        boolean read = method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS");
        boolean whatIf = method.equals("POST") && (path.equals("/api/v1/decisions") || path.endsWith("/replay"));
        return switch (role) {
            case ADMIN -> true;
            case VIEWER -> read || whatIf;
            case NODE -> (read && POLICY.matcher(path).matches())
                    || (method.equals("POST") && path.equals("/api/v1/events"))
                    || (method.equals("PUT") && NODE.matcher(path).matches());
        };
    }
}
