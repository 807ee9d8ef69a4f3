package dev.egret.controller.api;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import static dev.egret.controller.api.ApiFixtures.ADMIN;
import static dev.egret.controller.api.ApiFixtures.VIEWER;
import static dev.egret.controller.api.ApiFixtures.as;
import static dev.egret.controller.api.ApiFixtures.policyJson;
import static dev.egret.controller.api.ApiFixtures.policyYaml;
import static dev.egret.controller.api.ApiFixtures.uniqueName;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class PolicyApiTest {

    private static long version(Response r) {
        return Long.parseLong(r.header("ETag").replace("\"", ""));
    }

    @Test
    void createReadUpdateDelete() {
        String name = uniqueName("crud");
        Response created = as(ADMIN).contentType("application/json").body(policyJson(name, 443))
                .put("/api/v1/policies/" + name);
        created.then().statusCode(201).body("metadata.name", equalTo(name))
                .body("spec.egress[0].toFQDNs[0].matchPattern", equalTo("*.github.com"));
        long v1 = version(created);
        assertEquals(String.valueOf(v1), created.jsonPath().getString("metadata.resourceVersion"));

        as(VIEWER).get("/api/v1/policies/" + name).then().statusCode(200)
                .header("ETag", "\"" + v1 + "\"")
                .body("spec.egress[0].toPorts[0].port", equalTo(443))
                .body("spec.deny[0].toCIDR[0]", equalTo("10.1.0.0/16"));
        as(VIEWER).get("/api/v1/policies").then().statusCode(200)
                .body("kind", equalTo("EgressPolicyList"))
                .body("items.metadata.name", hasItem(name));

        Response updated = as(ADMIN).contentType("application/json").header("If-Match", "\"" + v1 + "\"")
                .body(policyJson(name, 8443)).put("/api/v1/policies/" + name);
        updated.then().statusCode(200).body("spec.egress[0].toPorts[0].port", equalTo(8443));
        long v2 = version(updated);
        assertTrue(v2 > v1, "every write bumps the resource version");

        as(ADMIN).header("If-Match", "\"" + v2 + "\"").delete("/api/v1/policies/" + name).then().statusCode(204);
        as(VIEWER).get("/api/v1/policies/" + name).then().statusCode(404)
                .contentType("application/problem+json").body("detail", containsString(name));
        as(ADMIN).delete("/api/v1/policies/" + name).then().statusCode(404);
    }

    @Test
    void staleIfMatchIsRefusedAndNothingChanges() {
        String name = uniqueName("stale");
        long v1 = version(as(ADMIN).contentType("application/json").body(policyJson(name, 443))
                .put("/api/v1/policies/" + name));
        as(ADMIN).contentType("application/json").body(policyJson(name, 444)).put("/api/v1/policies/" + name)
                .then().statusCode(200);
        as(ADMIN).contentType("application/json").header("If-Match", "\"" + v1 + "\"")
                .body(policyJson(name, 9999)).put("/api/v1/policies/" + name)
                .then().statusCode(412).contentType("application/problem+json")
                .body("errors[0].field", equalTo("If-Match"));
        as(ADMIN).header("If-Match", "\"" + v1 + "\"").delete("/api/v1/policies/" + name).then().statusCode(412);
        as(VIEWER).get("/api/v1/policies/" + name).then().body("spec.egress[0].toPorts[0].port", equalTo(444));
    }

    @Test
    void ifMatchStarRequiresAnExistingPolicy() {
        String name = uniqueName("star");
        as(ADMIN).contentType("application/json").header("If-Match", "*").body(policyJson(name, 443))
                .put("/api/v1/policies/" + name).then().statusCode(412);
        as(VIEWER).get("/api/v1/policies/" + name).then().statusCode(404);
    }

    @Test
    void ifMatchZeroNeverHoldsAbsentOrPresent() {
        String name = uniqueName("zero");
        as(ADMIN).contentType("application/json").header("If-Match", "\"0\"").body(policyJson(name, 443))
                .put("/api/v1/policies/" + name)
                .then().statusCode(412).contentType("application/problem+json")
                .body("errors[0].field", equalTo("If-Match"))
                .body("detail", containsString("If-None-Match: *"));
        as(VIEWER).get("/api/v1/policies/" + name).then().statusCode(404); // not created
        long v1 = version(as(ADMIN).contentType("application/json").body(policyJson(name, 443))
                .put("/api/v1/policies/" + name));
        as(ADMIN).contentType("application/json").header("If-Match", "W/\"0\", \"0\"").body(policyJson(name, 9999))
                .put("/api/v1/policies/" + name).then().statusCode(412).body("errors[0].field", equalTo("If-Match"));
        as(ADMIN).header("If-Match", "\"0\"").delete("/api/v1/policies/" + name).then().statusCode(412);
        as(ADMIN).contentType("application/json").header("If-Match", "\"0\", \"" + v1 + "\"").body(policyJson(name, 444))
                .put("/api/v1/policies/" + name).then().statusCode(200); // "0" beside a real version: that version
        as(VIEWER).get("/api/v1/policies/" + name).then().statusCode(200)
                .body("spec.egress[0].toPorts[0].port", equalTo(444));
    }

    @Test
    void ifNoneMatchStarCreatesOnlyOnce() {
        String name = uniqueName("create-only");
        as(ADMIN).contentType("application/json").header("If-None-Match", "*").body(policyJson(name, 443))
                .put("/api/v1/policies/" + name).then().statusCode(201);
        as(ADMIN).contentType("application/json").header("If-None-Match", "*").body(policyJson(name, 9999))
                .put("/api/v1/policies/" + name)
                .then().statusCode(412).contentType("application/problem+json")
                .body("errors[0].field", equalTo("If-None-Match"))
                .body("detail", containsString("not exist"));
        as(VIEWER).get("/api/v1/policies/" + name).then().statusCode(200)
                .body("spec.egress[0].toPorts[0].port", equalTo(443));

        as(ADMIN).contentType("application/json").header("If-None-Match", "\"1\"").body(policyJson(name, 9999))
                .put("/api/v1/policies/" + name)
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("If-None-Match"));
        as(ADMIN).contentType("application/json").header("If-None-Match", "*").header("If-Match", "*")
                .body(policyJson(name, 9999)).put("/api/v1/policies/" + name)
                .then().statusCode(400).body("errors[0].field", equalTo("If-None-Match"));
        as(ADMIN).header("If-None-Match", "*").delete("/api/v1/policies/" + name)
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("If-None-Match"));
        as(VIEWER).get("/api/v1/policies/" + name).then().statusCode(200)
                .body("spec.egress[0].toPorts[0].port", equalTo(443));
    }

    @Test
    void ifMatchListMatchesAnyOfItsVersions() {
        String name = uniqueName("list");
        long v1 = version(as(ADMIN).contentType("application/json").body(policyJson(name, 443))
                .put("/api/v1/policies/" + name));
        long v2 = version(as(ADMIN).contentType("application/json").body(policyJson(name, 444))
                .put("/api/v1/policies/" + name));
        String both = "\"" + v1 + "\", W/\"" + v2 + "\"";
        long v3 = version(as(ADMIN).contentType("application/json").header("If-Match", both)
                .body(policyJson(name, 445)).put("/api/v1/policies/" + name).then().statusCode(200).extract().response());
        as(ADMIN).contentType("application/json").header("If-Match", both).body(policyJson(name, 9999))
                .put("/api/v1/policies/" + name)
                .then().statusCode(412).contentType("application/problem+json")
                .body("errors[0].field", equalTo("If-Match"))
                .body("detail", containsString("at resourceVersion " + v3));
        as(ADMIN).header("If-Match", both).delete("/api/v1/policies/" + name).then().statusCode(412);
        as(VIEWER).get("/api/v1/policies/" + name).then().body("spec.egress[0].toPorts[0].port", equalTo(445));
        as(ADMIN).contentType("application/json").header("If-Match", "*, \"" + v3 + "\"").body(policyJson(name, 1))
                .put("/api/v1/policies/" + name).then().statusCode(400).body("errors[0].field", equalTo("If-Match"));
        as(ADMIN).header("If-Match", "\"" + v1 + "\", \"" + v3 + "\"").delete("/api/v1/policies/" + name)
                .then().statusCode(204);
    }

    @Test
    void staleResourceVersionInBodyIsRefused() {
        String name = uniqueName("bodyrv");
        long v1 = version(as(ADMIN).contentType("application/json").body(policyJson(name, 443))
                .put("/api/v1/policies/" + name));
        as(ADMIN).contentType("application/json").body(policyJson(name, 1)).put("/api/v1/policies/" + name)
                .then().statusCode(200);
        String stale = policyJson(name, 2).replace("\"metadata\":{\"name\":\"" + name + "\"}",
                "\"metadata\":{\"name\":\"" + name + "\",\"resourceVersion\":\"" + v1 + "\"}");
        as(ADMIN).contentType("application/json").body(stale).put("/api/v1/policies/" + name)
                .then().statusCode(412);
    }

    @Test
    void yamlInYamlOut() {
        String name = uniqueName("yaml");
        as(ADMIN).contentType("application/yaml").accept("application/yaml").body(policyYaml(name))
                .put("/api/v1/policies/" + name)
                .then().statusCode(201).contentType(containsString("yaml"))
                .body(containsString("name: " + name)).body(containsString("mode: audit"));
        as(VIEWER).accept("application/json").get("/api/v1/policies/" + name).then().statusCode(200)
                .body("spec.mode", equalTo("audit"))
                .body("spec.egress[0].toPorts[0].endPort", equalTo(443))
                .body("spec.limits.memory", equalTo("512Mi"));
    }
}
