package dev.egret.controller.api;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.egret.controller.api.ApiFixtures.ADMIN;
import static dev.egret.controller.api.ApiFixtures.VIEWER;
import static dev.egret.controller.api.ApiFixtures.as;
import static dev.egret.controller.api.ApiFixtures.policyJson;
import static dev.egret.controller.api.ApiFixtures.uniqueName;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
class ChangesApiTest {

    @Test
    void everyChangeIsLoggedWithWhoAndVersions() {
        String name = uniqueName("log");
        long v1 = Long.parseLong(as(ADMIN).contentType("application/json").body(policyJson(name, 443))
                .put("/api/v1/policies/" + name).header("ETag").replace("\"", ""));
        long v2 = Long.parseLong(as(ADMIN).contentType("application/json").body(policyJson(name, 80))
                .put("/api/v1/policies/" + name).header("ETag").replace("\"", ""));
        as(VIEWER).contentType("application/json").body(policyJson(name, 81)).put("/api/v1/policies/" + name)
                .then().statusCode(403);
        long v3 = Long.parseLong(as(ADMIN).delete("/api/v1/policies/" + name).header("ETag").replace("\"", ""));

        JsonPath log = as(VIEWER).queryParam("name", name).get("/api/v1/changes").then().statusCode(200)
                .extract().jsonPath();
        List<Map<String, Object>> items = log.getList("items");
        assertEquals(3, items.size(), "create, update and delete; the refused write is not logged");
        assertEquals(List.of("create", "update", "delete"), log.getList("items.action"));
        assertEquals(List.of("alice", "alice", "alice"), log.getList("items.subject"));
        assertEquals(List.of(0L, v1, v2), log.getList("items.oldResourceVersion", Long.class));
        assertEquals(List.of(v1, v2, v3), log.getList("items.newResourceVersion", Long.class));
        assertEquals(2, as(VIEWER).queryParam("name", name).queryParam("since", v1).get("/api/v1/changes")
                .jsonPath().getList("items").size());
        as(VIEWER).queryParam("since", "yesterday").get("/api/v1/changes").then().statusCode(400);
    }
}
