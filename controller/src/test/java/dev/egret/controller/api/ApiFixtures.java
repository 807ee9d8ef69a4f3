package dev.egret.controller.api;

import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import java.util.UUID;

import static io.restassured.RestAssured.given;

/** Tokens from src/test/resources/tokens.txt and sample policies. */
final class ApiFixtures {
    static final String ADMIN = "test-admin-token-0123456789";
    static final String VIEWER = "test-viewer-token-0123456789";
    static final String NODE = "test-node-token-012345678901";
    /** A node token bound to node-a (subject {@code node:node-a}). */
    static final String NODE_A = "test-node-a-token-0123456789";

    private ApiFixtures() {
    }

    static RequestSpecification as(String token) {
        return given().config(RestAssured.config().encoderConfig(EncoderConfig.encoderConfig()
                        .encodeContentTypeAs("application/yaml", ContentType.TEXT)
                        .encodeContentTypeAs("text/plain", ContentType.TEXT)))
                .header("Authorization", "Bearer " + token);
    }

    static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String policyJson(String name, int port) {
        return """
                {"apiVersion":"egret.dev/v1","kind":"EgressPolicy","metadata":{"name":"%s"},
                 "spec":{"mode":"enforce",
                   "workloads":{"cgroupPaths":["system.slice/deploy-*.service"]},
                   "egress":[{"toFQDNs":[{"matchPattern":"*.github.com"},{"matchName":"api.example.com"}],
                              "toPorts":[{"port":%d,"protocol":"TCP"}]},
                             {"toCIDR":["10.0.0.0/8","2001:db8::/32"]}],
                   "deny":[{"toCIDR":["10.1.0.0/16"]}],
                   "protects":["deploy.example.com"]}}
                """.formatted(name, port);
    }

    /** One audit event as JSON; {@code name} and {@code address} may be null. */
    static String event(String id, String workload, String policy, String kind, String name, String address, int port,
                        String verdict, String time) {
        return """
                {"id":"%s","time":"%s","count":1,"node":"node-a","workload":"%s",%s"cgroupId":7,"pid":42,"command":"curl",
                 "kind":"%s",%s%s"port":%d,"protocol":"%s","verdict":"%s","rule":"%s","reason":"test"}"""
                .formatted(id, time, workload, policy == null ? "" : "\"policy\":\"" + policy + "\",", kind,
                        name == null ? "" : "\"name\":\"" + name + "\",",
                        address == null ? "" : "\"address\":\"" + address + "\",", port,
                        kind.equals("dns") ? "udp" : "tcp", verdict,
                        verdict.equals("allow") ? "spec.egress[0].toFQDNs[0]" : "default-deny");
    }

    static String batch(java.util.List<String> events) {
        return "[" + String.join(",", events) + "]";
    }

    static String batch(String... events) {
        return batch(java.util.List.of(events));
    }

    static void post(String token, String body) {
        as(token).contentType("application/json").body(body).post("/api/v1/events").then().statusCode(200);
    }

    static String policyYaml(String name) {
        return """
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata:
                  name: %s
                spec:
                  mode: audit
                  egress:
                    - toFQDNs:
                        - matchPattern: "**.debian.org"
                      toPorts:
                        - port: 80
                          endPort: 443
                          protocol: TCP
                  limits:
                    memory: 512Mi
                    cpu: 500m
                    pids: 64
                """.formatted(name);
    }
}
