package dev.egret.controller.api;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static dev.egret.controller.api.ApiFixtures.ADMIN;
import static dev.egret.controller.api.ApiFixtures.as;
import static dev.egret.controller.api.ApiFixtures.policyJson;
import static dev.egret.controller.api.ApiFixtures.uniqueName;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class OpsEndpointsTest {

    @Test
    void healthIsUp() {
        given().get("/q/health").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void metricsCountPoliciesAndHttpRequests() {
        String name = uniqueName("metric");
        as(ADMIN).contentType("application/json").body(policyJson(name, 443)).put("/api/v1/policies/" + name)
                .then().statusCode(201);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        double count = metrics.lines().filter(l -> l.startsWith("egret_policies "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElse(-1);
        assertTrue(count >= 1, "egret_policies counts the stored policies: " + count);
        assertTrue(metrics.contains("http_server_requests_seconds_count"), "HTTP server metrics are exported");
    }

    @Test
    void openApiDescribesThePolicyApi() {
        given().get("/q/openapi").then().statusCode(200)
                .body(containsString("/api/v1/policies/{name}"))
                .body(containsString("/api/v1/decisions"))
                .body(containsString("/api/v1/events"))
                .body(containsString("/api/v1/audit"))
                .body(containsString("/api/v1/dependencies"))
                .body(containsString("/api/v1/nodes/{name}"))
                .body(containsString("/api/v1/policies/{name}/suggestion"))
                .body(containsString("/api/v1/policies/{name}/replay"));
    }
}
