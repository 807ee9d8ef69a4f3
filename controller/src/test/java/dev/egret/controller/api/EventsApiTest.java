package dev.egret.controller.api;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.egret.controller.api.ApiFixtures.ADMIN;
import static dev.egret.controller.api.ApiFixtures.NODE;
import static dev.egret.controller.api.ApiFixtures.NODE_A;
import static dev.egret.controller.api.ApiFixtures.VIEWER;
import static dev.egret.controller.api.ApiFixtures.as;
import static dev.egret.controller.api.ApiFixtures.batch;
import static dev.egret.controller.api.ApiFixtures.event;
import static dev.egret.controller.api.ApiFixtures.uniqueName;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

@QuarkusTest
class EventsApiTest {
    static final String T = "2026-11-25T10:00:00Z";

    private static String ok(String id, String workload) {
        return event(id, workload, "deploy", "connect", "api.example.com", "192.0.2.1", 443, "allow", T);
    }

    private static int stored(String workload) {
        return as(ADMIN).queryParam("workload", workload).queryParam("limit", 1000).get("/api/v1/audit")
                .then().statusCode(200).extract().path("items.size()");
    }

    @Test
    void aNodePostsABatchAndARetryIsAllDuplicates() {
        String w = uniqueName("ingest");
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            events.add(ok(w + "-" + i, w));
        }
        as(NODE).contentType("application/json").body(batch(events)).post("/api/v1/events")
                .then().statusCode(200).body("accepted", equalTo(20)).body("duplicates", equalTo(0));
        events.add(ok(w + "-20", w));
        as(NODE).contentType("application/json").body(batch(events)).post("/api/v1/events")
                .then().statusCode(200).body("accepted", equalTo(1)).body("duplicates", equalTo(20));
        as(ADMIN).contentType("application/json").body("[]").post("/api/v1/events")
                .then().statusCode(200).body("accepted", equalTo(0));
        org.junit.jupiter.api.Assertions.assertEquals(21, stored(w));
        String metrics = given().get("/q/metrics").then().extract().asString();
        org.junit.jupiter.api.Assertions.assertTrue(metrics.contains("egret_audit_events_total{verdict=\"allow\"}"),
                "events are counted by verdict");
        org.junit.jupiter.api.Assertions.assertTrue(metrics.contains("egret_audit_duplicate_events_total"));
        org.junit.jupiter.api.Assertions.assertTrue(metrics.contains("egret_audit_append_seconds_count"));
    }

    static Stream<Arguments> badBatches() {
        String w = "bad-batch-workload";
        String good = ok("bad-batch-good", w);
        return Stream.of(
                Arguments.of("malformed JSON", "[" + good + ",{", "body"),
                Arguments.of("not an array", good, "body"),
                Arguments.of("not an object", "[" + good + ",3]", "[1]"),
                Arguments.of("missing time", "[" + good + ",{\"id\":\"x\"}]", "[1].time"),
                Arguments.of("bad verdict", "[" + good + "," + good.replace("\"allow\"", "\"maybe\"") + "]", "[1].verdict"),
                Arguments.of("bad kind", "[" + good.replace("\"connect\"", "\"ping\"") + "]", "[0].kind"),
                Arguments.of("bad time", "[" + good.replace(T, "yesterday") + "]", "[0].time"),
                Arguments.of("time far ahead", "[" + good + "," + ok("bad-batch-future", w)
                        .replace(T, "2099-01-01T00:00:00Z") + "]", "[1].time"),
                Arguments.of("time over an hour ahead", "[" + good.replace(T, java.time.Instant.now()
                        .plus(java.time.Duration.ofMinutes(90)).toString()) + "]", "[0].time"),
                Arguments.of("port out of range", "[" + good.replace("\"port\":443", "\"port\":70000") + "]", "[0].port"),
                Arguments.of("port not a number", "[" + good.replace("\"port\":443", "\"port\":\"https\"") + "]",
                        "[0].port"),
                Arguments.of("bad address", "[" + good.replace("192.0.2.1", "192.0.2.300") + "]", "[0].address"),
                Arguments.of("bad name", "[" + good.replace("api.example.com", "api..example.com") + "]", "[0].name"),
                Arguments.of("workload wrong type", "[" + good.replace("\"workload\":\"" + w + "\"", "\"workload\":5")
                        + "]", "[0].workload"),
                Arguments.of("id too long", "[" + good.replace("bad-batch-good", "x".repeat(300)) + "]", "[0].id"),
                Arguments.of("empty body", "", "body"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBatches")
    void aBadBatchIs400NamingTheFieldAndStoresNothing(String what, String body, String field) {
        as(NODE).contentType("application/json").body(body).post("/api/v1/events")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem(field)).body("detail", containsString(field));
        org.junit.jupiter.api.Assertions.assertEquals(0, stored("bad-batch-workload"), "nothing of a bad batch is stored");
    }

    @Test
    void oldEventsAndOnesSlightlyAheadOfTheClockAreAccepted() {
        String w = uniqueName("times");
        String old = ok(w + "-old", w).replace(T, "2001-01-01T00:00:00Z");
        String ahead = ok(w + "-ahead", w).replace(T, java.time.Instant.now()
                .plus(java.time.Duration.ofMinutes(30)).toString());
        as(NODE).contentType("application/json").body(batch(old, ahead)).post("/api/v1/events")
                .then().statusCode(200).body("accepted", equalTo(2));
        org.junit.jupiter.api.Assertions.assertEquals(2, stored(w));
    }

    @Test
    void tooManyEventsOrBytesIs413() {
        String w = uniqueName("big");
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 5001; i++) {
            events.add("{\"id\":\"" + w + i + "\",\"time\":\"" + T + "\",\"node\":\"n\",\"workload\":\"" + w
                    + "\",\"kind\":\"dns\",\"verdict\":\"allow\"}");
        }
        as(NODE).contentType("application/json").body(batch(events)).post("/api/v1/events")
                .then().statusCode(413).contentType("application/problem+json")
                .body("errors[0].field", equalTo("body")).body("detail", containsString("5001 events"));
        String big = "[" + ok(w, w).replace("\"reason\":\"test\"", "\"reason\":\"" + "r".repeat(1_100_000) + "\"") + "]";
        as(NODE).contentType("application/json").body(big).post("/api/v1/events").then().statusCode(413);
        org.junit.jupiter.api.Assertions.assertEquals(0, stored(w));
    }

    @Test
    void wrongMediaTypeAndRolesAreRefused() {
        as(NODE).contentType("text/plain").body("[]").post("/api/v1/events").then().statusCode(415)
                .body("errors[0].field", equalTo("Content-Type"));
        as(VIEWER).contentType("application/json").body("[]").post("/api/v1/events").then().statusCode(403);
        given().contentType("application/json").body("[]").post("/api/v1/events").then().statusCode(401);
    }

    @Test
    void aNodeBoundTokenPostsOnlyItsOwnNodesEvents() {
        String w = uniqueName("bound");
        as(NODE_A).contentType("application/json").body(batch(List.of(ok(w + "-0", w))))
                .post("/api/v1/events").then().statusCode(200).body("accepted", equalTo(1));
        String other = ok(w + "-2", w).replace("\"node\":\"node-a\"", "\"node\":\"node-b\"");
        as(NODE_A).contentType("application/json").body(batch(List.of(ok(w + "-1", w), other)))
                .post("/api/v1/events").then().statusCode(403).contentType("application/problem+json")
                .body("errors[0].field", equalTo("[1].node")).body("detail", containsString("bound to node node-a"));
        org.junit.jupiter.api.Assertions.assertEquals(1, stored(w), "nothing of the refused batch is stored");
        as(NODE).contentType("application/json").body(batch(List.of(other))).post("/api/v1/events")
                .then().statusCode(200).body("accepted", equalTo(1));
    }
}
