package dev.egret.controller.api;

import jakarta.ws.rs.core.Response;

/** Ends a request with a ready problem response. */
public final class ApiException extends RuntimeException {
    private final transient Response response;

    public ApiException(Response response) {
        super(null, null, false, false);
        this.response = response;
    }

    public static ApiException badField(String field, String message) {
        return new ApiException(Problem.field(400, "Invalid request", field, message));
    }

    public Response response() {
        return response;
    }
}
