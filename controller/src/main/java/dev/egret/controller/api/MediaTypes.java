package dev.egret.controller.api;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

/** The body formats the API speaks. */
public final class MediaTypes {
    public static final String YAML = "application/yaml";
    public static final String X_YAML = "application/x-yaml";
    public static final String TEXT_YAML = "text/yaml";

    private MediaTypes() {
    }

    public static boolean isYaml(MediaType t) {
        if (t == null) {
            return false;
        }
        String s = t.getType() + "/" + t.getSubtype();
        return s.equalsIgnoreCase(YAML) || s.equalsIgnoreCase(X_YAML) || s.equalsIgnoreCase(TEXT_YAML);
    }

    /** True when the client prefers YAML over JSON. */
    public static boolean wantsYaml(HttpHeaders headers) {
        for (MediaType t : headers.getAcceptableMediaTypes()) {
            if (isYaml(t)) {
                return true;
            }
            if (t.isCompatible(MediaType.APPLICATION_JSON_TYPE)) {
                return false;
            }
        }
        return false;
    }
}
