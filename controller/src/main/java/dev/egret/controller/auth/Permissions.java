package dev.egret.controller.auth;

/** Which role may call what: a pure function of role, method and path. */
public final class Permissions {
    private Permissions() {
    }

    public static boolean allows(Role role, String method, String path) {
        boolean read = method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS");
        boolean whatIf = method.equals("POST") && (path.equals("/api/v1/decisions") || path.endsWith("/replay"));
        return switch (role) {
            case ADMIN -> true;
            case VIEWER -> read || whatIf;
            case NODE -> (read && path.startsWith("/api/v1/policies"))
                    || (method.equals("POST") && (path.equals("/api/v1/events") || path.startsWith("/api/v1/nodes")))
                    || (method.equals("PUT") && path.startsWith("/api/v1/nodes/"));
        };
    }
}
