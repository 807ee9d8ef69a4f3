package dev.egret.controller.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.policy.Violation;
import jakarta.ws.rs.core.Response;

import java.util.List;

/** RFC 9457 problem details, the body of every error the API returns. */
public final class Problem {
    public static final String MEDIA_TYPE = "application/problem+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Problem() {
    }

    /** A problem about one field of the request. */
    public static Response field(int status, String title, String field, String message) {
        return of(status, title, field + ": " + message, List.of(new Violation(field, message)));
    }

    public static Response of(int status, String title, String detail) {
        return of(status, title, detail, List.of());
    }

    public static Response of(int status, String title, String detail, List<Violation> errors) {
        ObjectNode body = JSON.createObjectNode();
        body.put("type", "https://egret.dev/problems/" + slug(title));
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        if (!errors.isEmpty()) {
            ArrayNode arr = body.putArray("errors");
            for (Violation v : errors) {
                arr.addObject().put("field", v.field()).put("message", v.message());
            }
        }
        return Response.status(status).type(MEDIA_TYPE).entity(body.toString()).build();
    }

    /** A 400 listing every violation; the detail names them all. */
    public static Response invalid(List<Violation> violations) {
        StringBuilder detail = new StringBuilder();
        for (Violation v : violations) {
            if (!detail.isEmpty()) {
                detail.append("; ");
            }
            detail.append(v.field()).append(": ").append(v.message());
        }
        return of(400, "Invalid request", detail.toString(), violations);
    }

    private static String slug(String title) {
        return title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }
}
