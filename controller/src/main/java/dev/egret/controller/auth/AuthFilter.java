package dev.egret.controller.auth;

import dev.egret.controller.ControllerConfig;
import dev.egret.controller.api.Problem;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;

/**
 * Every {@code /api} call needs a bearer token and a role that {@link Permissions} allows for it. Also rejects
 * oversized bodies before they are read.
 */
@Provider
@PreMatching
public class AuthFilter implements ContainerRequestFilter {
    public static final String CALLER = "egret.caller";

    @Inject
    TokenRegistry tokens;

    @Inject
    ControllerConfig config;

    @Override
    public void filter(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        if (!path.startsWith("/api/")) {
            return;
        }
        String header = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
        String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : null;
        Caller caller = tokens.authenticate(token).orElse(null);
        if (caller == null) {
            ctx.abortWith(Problem.field(401, "Unauthorized", "Authorization",
                    token == null ? "a bearer token is required" : "unknown token"));
            return;
        }
        if (!Permissions.allows(caller.role(), ctx.getMethod(), path)) {
            ctx.abortWith(Problem.of(403, "Forbidden",
                    "role " + caller.role().wireName() + " may not " + ctx.getMethod() + " " + path));
            return;
        }
        String length = ctx.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > config.maxBodyBytes()) {
                    ctx.abortWith(Problem.field(413, "Payload too large", "body",
                            "larger than " + config.maxBodyBytes() + " bytes"));
                    return;
                }
            } catch (NumberFormatException e) {
                ctx.abortWith(Problem.field(400, "Invalid request", "Content-Length", "not a number"));
                return;
            }
        }
        ctx.setProperty(CALLER, caller);
    }
}
