package dev.egret.controller.api;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.stream.Stream;

import static dev.egret.controller.api.ApiFixtures.ADMIN;
import static dev.egret.controller.api.ApiFixtures.VIEWER;
import static dev.egret.controller.api.ApiFixtures.as;
import static dev.egret.controller.api.ApiFixtures.policyJson;
import static dev.egret.controller.api.ApiFixtures.uniqueName;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/** Every class of bad input gets a 4xx problem+json naming the field, and nothing is applied. */
@QuarkusTest
class BadInputTest {
    static final String NAME = "bad-input-target";

    static Stream<Arguments> badBodies() {
        String ok = policyJson(NAME, 443);
        return Stream.of(
                Arguments.of("malformed JSON", "application/json", "{\"apiVersion\": ", "body"),
                Arguments.of("malformed YAML", "application/yaml", "apiVersion: [egret\n  kind: : :", "body"),
                Arguments.of("wrong type", "application/json", ok.replace("\"port\":443", "\"port\":\"https\""),
                        "spec.egress[0].toPorts[0].port"),
                Arguments.of("unknown field", "application/json", ok.replace("\"mode\":\"enforce\"",
                        "\"mode\":\"enforce\",\"colour\":\"blue\""), "spec.colour"),
                Arguments.of("bad mode", "application/json", ok.replace("\"mode\":\"enforce\"", "\"mode\":\"strict\""),
                        "spec.mode"),
                Arguments.of("bad pattern", "application/json", ok.replace("*.github.com", "git*hub..com"),
                        "spec.egress[0].toFQDNs[0].matchPattern"),
                Arguments.of("invalid CIDR", "application/json", ok.replace("10.0.0.0/8", "10.0.0.0/33"),
                        "spec.egress[1].toCIDR[0]"),
                Arguments.of("port out of range", "application/json", ok.replace("\"port\":443", "\"port\":70000"),
                        "spec.egress[0].toPorts[0].port"),
                Arguments.of("endPort below port", "application/json",
                        ok.replace("\"port\":443", "\"port\":443,\"endPort\":80"), "spec.egress[0].toPorts[0].endPort"),
                Arguments.of("name too long", "application/json", ok.replace("api.example.com",
                        "a".repeat(64) + ".example.com"), "spec.egress[0].toFQDNs[1].matchName"),
                Arguments.of("bad limits", "application/json", ok.replace("\"protects\"",
                        "\"limits\":{\"memory\":\"lots\"},\"protects\""), "spec.limits.memory"),
                Arguments.of("wrong apiVersion", "application/json", ok.replace("egret.dev/v1", "v2"), "apiVersion"),
                Arguments.of("port-scoped name deny", "application/json", ok.replace("\"deny\":[{\"toCIDR\":[\"10.1.0.0/16\"]}]",
                        "\"deny\":[{\"toFQDNs\":[{\"matchName\":\"smtp.example.com\"}],\"toPorts\":[{\"port\":25}]}]"),
                        "spec.deny[0].toPorts"),
                Arguments.of("YAML alias", "application/yaml", "apiVersion: egret.dev/v1\nkind: EgressPolicy\n"
                        + "metadata: {name: " + NAME + "}\nspec:\n  protects: [&gh github.com]\n"
                        + "  deny: [{toFQDNs: [{matchName: *gh}]}]\n", "body"),
                Arguments.of("name differs from path", "application/json", policyJson("other-name", 443), "metadata.name"),
                Arguments.of("empty body", "application/json", "", "body"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBodies")
    void badBodyIs400NamingTheFieldAndChangesNothing(String what, String type, String body, String field) {
        as(ADMIN).contentType("application/json").body(policyJson(NAME, 443)).put("/api/v1/policies/" + NAME)
                .then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
        String before = as(VIEWER).get("/api/v1/policies/" + NAME).header("ETag");

        as(ADMIN).contentType(type).body(body).put("/api/v1/policies/" + NAME)
                .then().statusCode(400).contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("errors.field", hasItem(field))
                .body("detail", containsString(field));

        as(VIEWER).get("/api/v1/policies/" + NAME).then().statusCode(200).header("ETag", before)
                .body("spec.egress[0].toPorts[0].port", equalTo(443));
    }

    @Test
    void unsupportedMediaTypeIs415() {
        as(ADMIN).contentType("text/plain").body("hello").put("/api/v1/policies/x415")
                .then().statusCode(415).contentType("application/problem+json")
                .body("errors[0].field", equalTo("Content-Type"));
    }

    @Test
    void oversizedBodyIs413() {
        String name = uniqueName("big");
        String huge = policyJson(name, 443).replace("\"protects\":[", "\"protects\":[" +
                "\"a.example.com\",".repeat(90_000));
        as(ADMIN).contentType("application/json").body(huge).put("/api/v1/policies/" + name)
                .then().statusCode(413).contentType("application/problem+json").body("errors[0].field", equalTo("body"));
        as(VIEWER).get("/api/v1/policies/" + name).then().statusCode(404);
    }

    @Test
    void invalidNameInPathIs400() {
        as(ADMIN).contentType("application/json").body(policyJson("Bad_Name", 443)).put("/api/v1/policies/Bad_Name")
                .then().statusCode(400).contentType("application/problem+json").body("errors[0].field", equalTo("name"));
        as(VIEWER).get("/api/v1/policies/Bad_Name").then().statusCode(400);
    }

    @Test
    void everyViolationIsListed() {
        String name = uniqueName("many");
        String body = policyJson(name, 0).replace("10.0.0.0/8", "not-a-cidr");
        as(ADMIN).contentType("application/json").body(body).put("/api/v1/policies/" + name)
                .then().statusCode(400)
                .body("errors.field", hasItem("spec.egress[0].toPorts[0].port"))
                .body("errors.field", hasItem("spec.egress[1].toCIDR[0]"));
    }

    @Test
    void badIfMatchIs400() {
        as(ADMIN).contentType("application/json").header("If-Match", "\"abc\"").body(policyJson(NAME, 443))
                .put("/api/v1/policies/" + NAME).then().statusCode(400).body("errors[0].field", equalTo("If-Match"));
    }
}
