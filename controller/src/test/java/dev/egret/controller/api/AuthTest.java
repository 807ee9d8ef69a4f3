package dev.egret.controller.api;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static dev.egret.controller.api.ApiFixtures.ADMIN;
import static dev.egret.controller.api.ApiFixtures.NODE;
import static dev.egret.controller.api.ApiFixtures.VIEWER;
import static dev.egret.controller.api.ApiFixtures.as;
import static dev.egret.controller.api.ApiFixtures.policyJson;
import static dev.egret.controller.api.ApiFixtures.uniqueName;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
class AuthTest {

    @Test
    void noTokenIs401() {
        given().get("/api/v1/policies").then().statusCode(401).contentType("application/problem+json")
                .body("errors[0].field", equalTo("Authorization"));
        given().header("Authorization", "Basic dXNlcjpwYXNz").get("/api/v1/policies").then().statusCode(401);
    }

    @Test
    void unknownTokenIs401() {
        as("not-a-known-token-at-all").get("/api/v1/policies").then().statusCode(401);
    }

    @Test
    void viewerReadsButCannotWrite() {
        String name = uniqueName("auth");
        as(VIEWER).get("/api/v1/policies").then().statusCode(200);
        as(VIEWER).contentType("application/json").body(policyJson(name, 443)).put("/api/v1/policies/" + name)
                .then().statusCode(403).contentType("application/problem+json");
        as(VIEWER).get("/api/v1/policies/" + name).then().statusCode(404);
        as(ADMIN).contentType("application/json").body(policyJson(name, 443)).put("/api/v1/policies/" + name)
                .then().statusCode(201);
        as(VIEWER).delete("/api/v1/policies/" + name).then().statusCode(403);
        as(VIEWER).get("/api/v1/policies/" + name).then().statusCode(200);
    }

    @Test
    void nodeReadsPoliciesOnly() {
        as(NODE).get("/api/v1/policies").then().statusCode(200);
        as(NODE).get("/api/v1/changes").then().statusCode(403);
        String name = uniqueName("node");
        as(NODE).contentType("application/json").body(policyJson(name, 443)).put("/api/v1/policies/" + name)
                .then().statusCode(403);
    }

    @Test
    void nodeMayReadPoliciesPostEventsAndRegisterItselfOnly() {
        String name = uniqueName("nodeperm");
        as(ADMIN).contentType("application/json").body(policyJson(name, 443)).put("/api/v1/policies/" + name)
                .then().statusCode(201);
        as(NODE).get("/api/v1/policies/" + name).then().statusCode(200);
        as(NODE).get("/api/v1/policies?watch=true&timeoutSeconds=0").then().statusCode(200);
        as(NODE).contentType("application/json").body("[]").post("/api/v1/events").then().statusCode(200);
        as(NODE).contentType("application/json").body("{\"version\":\"0.1.0\",\"ready\":true}")
                .put("/api/v1/nodes/" + name).then().statusCode(200);
        for (String path : new String[]{"/api/v1/nodes", "/api/v1/audit", "/api/v1/dependencies",
                "/api/v1/policies/" + name + "/suggestion", "/api/v1/changes"}) {
            as(NODE).get(path).then().statusCode(403);
        }
        as(NODE).delete("/api/v1/nodes/" + name).then().statusCode(403);
        as(NODE).delete("/api/v1/policies/" + name).then().statusCode(403);
        as(NODE).contentType("application/json").body("{}").post("/api/v1/decisions").then().statusCode(403);
    }

    @Test
    void dependencyPageIsServedWithoutAToken() {
        given().get("/ui/").then().statusCode(200).contentType(org.hamcrest.Matchers.containsString("text/html"))
                .body(org.hamcrest.Matchers.containsString("Egret dependencies"));
        given().get("/ui/app.js").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("/api/v1/dependencies"));
    }

    @Test
    void healthAndMetricsNeedNoToken() {
        given().get("/q/health").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }
}
