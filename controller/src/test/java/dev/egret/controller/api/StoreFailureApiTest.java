package dev.egret.controller.api;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;

import static dev.egret.controller.api.ApiFixtures.ADMIN;
import static dev.egret.controller.api.ApiFixtures.VIEWER;
import static dev.egret.controller.api.ApiFixtures.as;
import static dev.egret.controller.api.ApiFixtures.policyJson;
import static dev.egret.controller.api.ApiFixtures.uniqueName;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
class StoreFailureApiTest {

    private static long version(io.restassured.response.Response r) {
        return Long.parseLong(r.header("ETag").replace("\"", ""));
    }

    @Test
    void aWriteTheStoreCannotMakeIsNotLoggedAndTheNextOneIsNumberedOnce() throws Exception {
        String name = uniqueName("storefail");
        long v1 = version(as(ADMIN).contentType("application/json").body(policyJson(name, 443))
                .put("/api/v1/policies/" + name).then().statusCode(201).extract().response());

        // the state file cannot be replaced while a directory sits where its temporary file goes
        Path dataDir = Path.of(ConfigProvider.getConfig().getValue("egret.data-dir", String.class));
        Path obstacle = Files.createDirectory(dataDir.resolve("policies.json.tmp"));
        try {
            as(ADMIN).contentType("application/json").body(policyJson(name, 8443)).put("/api/v1/policies/" + name)
                    .then().statusCode(500).contentType("application/problem+json")
                    .body("detail", containsString("nothing was applied"));
            as(ADMIN).delete("/api/v1/policies/" + name).then().statusCode(500)
                    .contentType("application/problem+json");
            as(VIEWER).queryParam("name", name).get("/api/v1/changes").then().statusCode(200)
                    .body("items.action", equalTo(List.of("create")));
            as(VIEWER).get("/api/v1/policies/" + name).then().statusCode(200).header("ETag", "\"" + v1 + "\"")
                    .body("spec.egress[0].toPorts[0].port", equalTo(443));
            assertEquals(v1, Long.parseLong(as(VIEWER).get("/api/v1/policies").jsonPath()
                    .getString("metadata.resourceVersion")));
        } finally {
            Files.delete(obstacle);
        }

        long v2 = version(as(ADMIN).contentType("application/json").body(policyJson(name, 8443))
                .put("/api/v1/policies/" + name).then().statusCode(200).extract().response());
        assertEquals(v1 + 1, v2, "the failed writes used up no version");
        JsonPath log = as(VIEWER).get("/api/v1/changes").then().statusCode(200).extract().jsonPath();
        List<Long> versions = log.getList("items.newResourceVersion", Long.class);
        assertEquals(versions.size(), new HashSet<>(versions).size(), "every logged version is unique: " + versions);
        assertEquals(List.of(v1, v2), as(VIEWER).queryParam("name", name).get("/api/v1/changes").jsonPath()
                .getList("items.newResourceVersion", Long.class));
    }
}
