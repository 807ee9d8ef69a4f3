package dev.egret.controller.api;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static dev.egret.controller.api.ApiFixtures.ADMIN;
import static dev.egret.controller.api.ApiFixtures.VIEWER;
import static dev.egret.controller.api.ApiFixtures.as;
import static dev.egret.controller.api.ApiFixtures.policyJson;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
class DecisionApiTest {
    static final String NAME = "decisions-policy";

    private static void ensurePolicy() {
        as(ADMIN).contentType("application/json").body(policyJson(NAME, 443)).put("/api/v1/policies/" + NAME)
                .then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
    }

    private static String ask(String policy, String dest) {
        return "{\"policy\":" + policy + ",\"destination\":" + dest + "}";
    }

    @Test
    void allowedNameOnAllowedPort() {
        ensurePolicy();
        as(VIEWER).contentType("application/json")
                .body(ask("\"" + NAME + "\"", "{\"name\":\"API.GitHub.com.\",\"port\":443,\"protocol\":\"TCP\"}"))
                .post("/api/v1/decisions").then().statusCode(200)
                .body("verdict", equalTo("allow")).body("rule", equalTo("spec.egress[0].toFQDNs[0]"))
                .body("policy", equalTo(NAME));
    }

    @Test
    void labelBoundaryAndPortAreHonoured() {
        ensurePolicy();
        as(VIEWER).contentType("application/json")
                .body(ask("\"" + NAME + "\"", "{\"name\":\"evilgithub.com\",\"port\":443}"))
                .post("/api/v1/decisions").then().statusCode(200)
                .body("verdict", equalTo("deny")).body("rule", equalTo("default-deny"));
        as(VIEWER).contentType("application/json")
                .body(ask("\"" + NAME + "\"", "{\"name\":\"api.github.com\",\"port\":22}"))
                .post("/api/v1/decisions").then().body("verdict", equalTo("deny"));
    }

    @Test
    void denyWinsAndProtectsWin() {
        ensurePolicy();
        as(VIEWER).contentType("application/json")
                .body(ask("\"" + NAME + "\"", "{\"ip\":\"10.1.2.3\",\"port\":443}"))
                .post("/api/v1/decisions").then().body("verdict", equalTo("deny"))
                .body("rule", containsString("spec.deny[0]"));
        as(VIEWER).contentType("application/json")
                .body(ask("\"" + NAME + "\"", "{\"ip\":\"2001:db8::1\",\"port\":443}"))
                .post("/api/v1/decisions").then().body("verdict", equalTo("allow"));
        as(VIEWER).contentType("application/json")
                .body(ask("\"" + NAME + "\"", "{\"name\":\"deploy.example.com\",\"ip\":\"10.2.3.4\",\"port\":443}"))
                .post("/api/v1/decisions").then().body("verdict", equalTo("deny"))
                .body("rule", containsString("spec.protects[0]"));
    }

    @Test
    void inlinePolicyInAuditMode() {
        String inline = policyJson("inline-one", 443).replace("\"mode\":\"enforce\"", "\"mode\":\"audit\"");
        as(VIEWER).contentType("application/json")
                .body(ask(inline, "{\"name\":\"example.org\",\"port\":80}"))
                .post("/api/v1/decisions").then().statusCode(200).body("verdict", equalTo("audit-deny"));
    }

    @Test
    void badDestinationsAre400NamingTheField() {
        ensurePolicy();
        String[][] cases = {
                {"{\"name\":\"a.com\",\"port\":0}", "destination.port"},
                {"{\"name\":\"a.com\",\"port\":\"x\"}", "destination.port"},
                {"{\"ip\":\"300.1.1.1\",\"port\":1}", "destination.ip"},
                {"{\"ip\":\"not-an-ip\",\"port\":1}", "destination.ip"},
                {"{\"name\":\"a.com\",\"port\":1,\"protocol\":\"SCTP\"}", "destination.protocol"},
                {"{\"name\":\"a.com\",\"port\":1,\"colour\":1}", "destination.colour"},
                {"{\"port\":1}", "destination"},
        };
        for (String[] c : cases) {
            as(VIEWER).contentType("application/json").body(ask("\"" + NAME + "\"", c[0]))
                    .post("/api/v1/decisions").then().statusCode(400).contentType("application/problem+json")
                    .body("errors[0].field", equalTo(c[1]));
        }
        as(VIEWER).contentType("application/json").body(ask("\"no-such-policy\"", "{\"name\":\"a.com\",\"port\":1}"))
                .post("/api/v1/decisions").then().statusCode(404).body("errors[0].field", equalTo("policy"));
        as(VIEWER).contentType("application/json").body("{\"destination\":{\"name\":\"a.com\",\"port\":1}}")
                .post("/api/v1/decisions").then().statusCode(400).body("errors[0].field", equalTo("policy"));
        as(VIEWER).contentType("application/json").body("[1,2")
                .post("/api/v1/decisions").then().statusCode(400).body("errors[0].field", equalTo("body"));
        String deep = "{\"x\":" + "[".repeat(70) + "]".repeat(70) + "}";
        as(VIEWER).contentType("application/json").body(ask(deep, "{\"name\":\"a.com\",\"port\":1}"))
                .post("/api/v1/decisions").then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("policy"));
    }
}
