package dev.egret.controller.api;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;

import static dev.egret.controller.api.ApiFixtures.ADMIN;
import static dev.egret.controller.api.ApiFixtures.NODE;
import static dev.egret.controller.api.ApiFixtures.NODE_A;
import static dev.egret.controller.api.ApiFixtures.VIEWER;
import static dev.egret.controller.api.ApiFixtures.as;
import static dev.egret.controller.api.ApiFixtures.uniqueName;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Node registrations; the test profile makes a node stale after 3 s. */
@QuarkusTest
class NodesApiTest {

    private static void register(String name, String body) {
        as(NODE).contentType("application/json").body(body).put("/api/v1/nodes/" + name).then().statusCode(200);
    }

    @Test
    void registeredNodesAreListedWithTheirState() throws Exception {
        String ready = uniqueName("node");
        String notReady = uniqueName("node");
        register(ready, "{\"version\":\"0.1.0\",\"appliedResourceVersion\":\"17\",\"ready\":true}");
        as(NODE).contentType("application/json")
                .body("{\"version\":\"0.1.0\",\"appliedResourceVersion\":null,\"ready\":false,\"newField\":1}")
                .put("/api/v1/nodes/" + notReady).then().statusCode(200)
                .body("state", equalTo("not-ready")).body("appliedResourceVersion", nullValue());

        as(VIEWER).get("/api/v1/nodes").then().statusCode(200)
                .body("items.find { it.name == '" + ready + "' }.state", equalTo("ready"))
                .body("items.find { it.name == '" + ready + "' }.version", equalTo("0.1.0"))
                .body("items.find { it.name == '" + ready + "' }.appliedResourceVersion", equalTo("17"))
                .body("items.find { it.name == '" + notReady + "' }.state", equalTo("not-ready"));
        String lastSeen = as(VIEWER).get("/api/v1/nodes/" + ready).then().statusCode(200).extract().path("lastSeen");
        assertTrue(Duration.between(Instant.parse(lastSeen), Instant.now()).abs().toSeconds() < 10);
        String metrics = given().get("/q/metrics").then().extract().asString();
        assertTrue(metrics.contains("egret_nodes{state=\"ready\"}"), "nodes are counted by state");

        Thread.sleep(3500);
        as(VIEWER).get("/api/v1/nodes/" + ready).then().body("state", equalTo("stale"));
        register(ready, "{\"version\":\"0.1.1\",\"appliedResourceVersion\":18,\"ready\":true}");
        as(VIEWER).get("/api/v1/nodes/" + ready).then().body("state", equalTo("ready"))
                .body("appliedResourceVersion", equalTo("18")).body("version", equalTo("0.1.1"));

        as(VIEWER).delete("/api/v1/nodes/" + notReady).then().statusCode(403);
        as(ADMIN).delete("/api/v1/nodes/" + notReady).then().statusCode(204);
        as(ADMIN).delete("/api/v1/nodes/" + notReady).then().statusCode(404);
        as(VIEWER).get("/api/v1/nodes/" + notReady).then().statusCode(404);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "missing version|{\"ready\":true}|version",
            "version not a string|{\"version\":1,\"ready\":true}|version",
            "missing ready|{\"version\":\"1\"}|ready",
            "ready not a boolean|{\"version\":\"1\",\"ready\":\"yes\"}|ready",
            "applied not a version|{\"version\":\"1\",\"ready\":true,\"appliedResourceVersion\":\"v17\"}|appliedResourceVersion",
            "applied negative|{\"version\":\"1\",\"ready\":true,\"appliedResourceVersion\":-1}|appliedResourceVersion",
            "malformed JSON|{\"version\":|body",
            "not an object|[1]|body"})
    void badRegistrationsAre400(String what, String body, String field) {
        String name = uniqueName("badnode");
        as(NODE).contentType("application/json").body(body).put("/api/v1/nodes/" + name).then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", hasItem(field));
        as(VIEWER).get("/api/v1/nodes/" + name).then().statusCode(404);
    }

    @Test
    void badNamesAndRoles() {
        as(NODE).contentType("application/json").body("{\"version\":\"1\",\"ready\":true}")
                .put("/api/v1/nodes/Node_A").then().statusCode(400).body("errors[0].field", equalTo("name"));
        as(NODE).get("/api/v1/nodes").then().statusCode(403);
        as(VIEWER).contentType("application/json").body("{\"version\":\"1\",\"ready\":true}")
                .put("/api/v1/nodes/node-x").then().statusCode(403);
        as(NODE).contentType("text/plain").body("x").put("/api/v1/nodes/node-x").then().statusCode(415);
    }

    @Test
    void aNodeBoundTokenRegistersOnlyItsNode() {
        String body = "{\"version\":\"0.1.0\",\"appliedResourceVersion\":null,\"ready\":true}";
        as(NODE_A).contentType("application/json").body(body).put("/api/v1/nodes/node-a").then().statusCode(200);
        as(NODE_A).contentType("application/json").body(body).put("/api/v1/nodes/node-b").then().statusCode(403)
                .contentType("application/problem+json").body("errors[0].field", equalTo("name"));
        as(ADMIN).get("/api/v1/nodes").then().statusCode(200).body("items.name", org.hamcrest.Matchers.not(
                org.hamcrest.Matchers.hasItem("node-b")));
    }
}
