package dev.egret.policy;

/** The one document type of the policy language: {@code apiVersion: egret.dev/v1, kind: EgressPolicy}. */
public record EgressPolicy(String apiVersion, String kind, Metadata metadata, PolicySpec spec) {
    public static final String API_VERSION = "egret.dev/v1";
    public static final String KIND = "EgressPolicy";

    public String name() {
        return metadata.name();
    }

    public EgressPolicy withResourceVersion(String rv) {
        return new EgressPolicy(apiVersion, kind, new Metadata(metadata.name(), rv, metadata.labels()), spec);
    }
}
