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
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Suggestion and replay: built from recorded events, ready to PUT; bad proposals are 400s. */
@QuarkusTest
class PolicyAdviceApiTest {
    static final String T = "2026-11-25T10:00:0";

    /** An audit-mode policy protecting *.github.com, and what its workload did. */
    private static String seeded() {
        String policy = uniqueName("adv");
        String w = "egret/" + policy;
        as(ADMIN).contentType("application/json").body(DependenciesApiTest.protectingPolicy(policy, "audit"))
                .put("/api/v1/policies/" + policy).then().statusCode(201);
        post(NODE, batch(
                event(w + "-1", w, policy, "connect", "a.cdn.example.net", "192.0.2.1", 443, "audit-deny", T + "1Z"),
                event(w + "-2", w, policy, "connect", "b.cdn.example.net", "192.0.2.2", 443, "audit-deny", T + "2Z"),
                event(w + "-3", w, policy, "connect", "c.cdn.example.net", "192.0.2.3", 443, "audit-deny", T + "3Z"),
                event(w + "-4", w, policy, "connect", "registry.example.com", "192.0.2.4", 443, "allow", T + "4Z"),
                event(w + "-5", w, policy, "connect", "api.github.com", "140.82.112.3", 443, "audit-deny", T + "5Z"),
                event(w + "-6", w, policy, "connect", null, "198.51.100.9", 5432, "audit-deny", T + "6Z")));
        return policy;
    }

    @Test
    void suggestionIsAnAllowListReadyToPut() {
        String policy = seeded();
        ExtractableResponse<Response> s = as(VIEWER).get("/api/v1/policies/" + policy + "/suggestion")
                .then().statusCode(200).contentType("application/json").extract();
        assertEquals(policy, s.path("metadata.name"));
        assertEquals("audit", s.path("spec.mode"));
        assertEquals(List.of("*.github.com"), s.path("spec.protects"));
        List<Map<String, Object>> egress = s.path("spec.egress");
        String all = egress.toString();
        assertTrue(all.contains("matchPattern=*.cdn.example.net"), all);
        assertTrue(all.contains("matchName=registry.example.com"), all);
        assertTrue(all.contains("198.51.100.9/32"), all);
        assertTrue(!all.contains("github"), "the circular call is not suggested: " + all);

        String yaml = as(VIEWER).accept("application/yaml").get("/api/v1/policies/" + policy + "/suggestion")
                .then().statusCode(200).contentType("application/yaml").extract().asString();
        assertTrue(yaml.contains("*.cdn.example.net"), yaml);
        as(ADMIN).contentType("application/yaml").body(yaml).put("/api/v1/policies/" + policy)
                .then().statusCode(200);
        as(ADMIN).contentType("application/yaml").body(yaml).put("/api/v1/policies/" + policy)
                .then().statusCode(412); // it carried the resourceVersion it was built from

        ExtractableResponse<Response> replay = as(VIEWER).contentType("application/yaml").body(yaml)
                .post("/api/v1/policies/" + policy + "/replay").then().statusCode(200).extract();
        assertEquals(1, (int) replay.path("denied.size()"), "only the circular call stays denied");
        assertEquals("api.github.com", replay.path("denied[0].destination"));
    }

    @Test
    void replayListsWhatAProposalWouldDenyAndWhy() {
        String policy = seeded();
        String proposal = """
                {"apiVersion":"egret.dev/v1","kind":"EgressPolicy","metadata":{"name":"%s"},
                 "spec":{"mode":"enforce","egress":[{"toFQDNs":[{"matchPattern":"*.cdn.example.net"}],
                                                    "toPorts":[{"port":443,"protocol":"TCP"}]}],
                         "protects":["*.github.com"]}}""".formatted(policy);
        ExtractableResponse<Response> r = as(VIEWER).contentType("application/json").body(proposal)
                .post("/api/v1/policies/" + policy + "/replay").then().statusCode(200).extract();
        assertEquals(policy, r.path("policy"));
        assertEquals("enforce", r.path("proposedMode"));
        assertEquals(6, (int) r.path("totals.calls"));
        assertEquals(3, (int) r.path("totals.allow"));
        assertEquals(3, (int) r.path("totals.deny"));
        assertEquals(1, (int) r.path("totals.newlyDenied"), "registry was allowed, would be denied");
        List<Map<String, Object>> denied = r.path("denied");
        Map<String, Object> github = denied.stream().filter(d -> "api.github.com".equals(d.get("destination")))
                .findFirst().orElseThrow();
        assertEquals("spec.protects[0]", github.get("rule"));
        assertTrue(github.get("reason").toString().contains("circular"));
        Map<String, Object> registry = denied.stream().filter(d -> "registry.example.com".equals(d.get("destination")))
                .findFirst().orElseThrow();
        assertEquals("allow", registry.get("recordedVerdict"));
        assertEquals("deny", registry.get("verdict"));
        assertEquals("default-deny", registry.get("rule"));
    }

    @Test
    void unknownPoliciesAre404AndBadProposals400() {
        as(VIEWER).get("/api/v1/policies/no-such-policy/suggestion").then().statusCode(404)
                .contentType("application/problem+json");
        as(VIEWER).get("/api/v1/policies/Bad_Name/suggestion").then().statusCode(400)
                .body("errors[0].field", equalTo("name"));
        String policy = seeded();
        String ok = DependenciesApiTest.protectingPolicy(policy, "enforce");
        as(VIEWER).contentType("application/json").body(ok).post("/api/v1/policies/no-such-policy/replay")
                .then().statusCode(404);
        as(VIEWER).contentType("application/json").body(ok.replace("\"enforce\"", "\"strict\""))
                .post("/api/v1/policies/" + policy + "/replay").then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", hasItem("spec.mode"));
        as(VIEWER).contentType("application/json").body("{\"apiVersion\":")
                .post("/api/v1/policies/" + policy + "/replay").then().statusCode(400)
                .body("errors.field", hasItem("body")).body("detail", containsString("malformed"));
        as(VIEWER).contentType("application/yaml").body("spec: [")
                .post("/api/v1/policies/" + policy + "/replay").then().statusCode(400);
        as(VIEWER).contentType("application/json").body("").post("/api/v1/policies/" + policy + "/replay")
                .then().statusCode(400);
        as(VIEWER).contentType("text/plain").body("x").post("/api/v1/policies/" + policy + "/replay")
                .then().statusCode(415);
        as(NODE).contentType("application/json").body(ok).post("/api/v1/policies/" + policy + "/replay")
                .then().statusCode(403);
        as(NODE).get("/api/v1/policies/" + policy + "/suggestion").then().statusCode(403);
    }
}
