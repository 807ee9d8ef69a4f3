package dev.egret.controller.api;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.egret.controller.api.ApiFixtures.ADMIN;
import static dev.egret.controller.api.ApiFixtures.NODE;
import static dev.egret.controller.api.ApiFixtures.VIEWER;
import static dev.egret.controller.api.ApiFixtures.as;
import static dev.egret.controller.api.ApiFixtures.batch;
import static dev.egret.controller.api.ApiFixtures.event;
import static dev.egret.controller.api.ApiFixtures.post;
import static dev.egret.controller.api.ApiFixtures.uniqueName;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class DependenciesApiTest {
    static final String T = "2026-11-25T10:00:0";

    static String protectingPolicy(String name, String mode) {
        return """
                {"apiVersion":"egret.dev/v1","kind":"EgressPolicy","metadata":{"name":"%s"},
                 "spec":{"mode":"%s","egress":[{"toFQDNs":[{"matchName":"registry.example.com"}]}],
                         "protects":["*.github.com"]}}""".formatted(name, mode);
    }

    @Test
    void perWorkloadDestinationsWithCountsVerdictsAndFlags() {
        String policy = uniqueName("dep");
        String w = "egret/" + policy;
        as(ADMIN).contentType("application/json").body(protectingPolicy(policy, "audit"))
                .put("/api/v1/policies/" + policy).then().statusCode(201);
        post(NODE, batch(
                event(w + "-1", w, policy, "dns", "api.github.com", null, 0, "audit-deny", T + "0Z"),
                event(w + "-2", w, policy, "connect", "api.github.com", "140.82.112.3", 443, "audit-deny", T + "1Z"),
                event(w + "-3", w, policy, "connect", null, "140.82.112.3", 22, "audit-deny", T + "2Z"),
                event(w + "-4", w, policy, "connect", "registry.example.com", "192.0.2.7", 443, "allow", T + "3Z"),
                event(w + "-5", w, policy, "connect", "registry.example.com", "192.0.2.7", 443, "allow", T + "4Z")));

        ExtractableResponse<Response> r = as(VIEWER).queryParam("workload", w).get("/api/v1/dependencies")
                .then().statusCode(200).extract();
        assertEquals(1, (int) r.path("workloads.size()"));
        assertEquals(w, r.path("workloads[0].workload"));
        assertEquals(policy, r.path("workloads[0].policy"));
        assertEquals("audit", r.path("workloads[0].mode"));
        assertEquals(List.of("node-a"), r.path("workloads[0].nodes"));
        List<Map<String, Object>> dests = r.path("workloads[0].destinations");
        assertEquals(3, dests.size(), dests.toString());
        Map<String, Object> github = dests.get(1);
        assertEquals("api.github.com", github.get("destination"));
        assertNull(github.get("address"));
        assertEquals(443, github.get("port"));
        assertEquals("tcp", github.get("protocol"));
        assertEquals(List.of("connect", "dns"), github.get("kinds"));
        assertEquals(2, github.get("count"));
        assertEquals(Map.of("audit-deny", 2), github.get("verdicts"));
        assertEquals(List.of("circular", "unlisted"), github.get("flags"));
        assertEquals("2026-11-25T10:00:00Z", github.get("firstSeen"));
        assertEquals("2026-11-25T10:00:01Z", github.get("lastSeen"));
        Map<String, Object> byAddress = dests.get(0);
        assertEquals("140.82.112.3", byAddress.get("destination"));
        assertEquals(List.of("circular", "unlisted"), byAddress.get("flags"), "it resolves to what the policy protects");
        Map<String, Object> registry = dests.get(2);
        assertEquals(List.of(), registry.get("flags"));
        assertEquals(Map.of("allow", 2), registry.get("verdicts"));

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("egret_circular_dependencies{workload=\"" + w + "\"} 2.0"), metrics.lines()
                .filter(l -> l.startsWith("egret_circular")).toList().toString());
    }

    @Test
    void allWorkloadsOrNone() {
        as(VIEWER).get("/api/v1/dependencies").then().statusCode(200);
        as(VIEWER).queryParam("workload", "nobody/here").get("/api/v1/dependencies").then().statusCode(200)
                .body("workloads.size()", org.hamcrest.Matchers.equalTo(0));
        as(VIEWER).queryParam("workload", " ").get("/api/v1/dependencies").then().statusCode(400)
                .body("errors[0].field", org.hamcrest.Matchers.equalTo("workload"));
        as(NODE).get("/api/v1/dependencies").then().statusCode(403);
    }
}
