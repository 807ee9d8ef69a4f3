package dev.egret.controller.api;

import java.nio.charset.StandardCharsets;

/** Checks on raw request bodies (the auth filter already refuses a declared Content-Length over the limit). */
final class RequestBodies {
    private RequestBodies() {
    }

    static void check(String body, long maxBytes) {
        if (body == null || body.isBlank()) {
            throw ApiException.badField("body", "the request body is empty");
        }
        if (body.length() > maxBytes || body.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            throw new ApiException(Problem.field(413, "Payload too large", "body", "larger than " + maxBytes + " bytes"));
        }
    }
}
