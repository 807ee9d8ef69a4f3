package dev.egret.controller.api;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.egret.controller.api.ApiFixtures.ADMIN;
import static dev.egret.controller.api.ApiFixtures.NODE;
import static dev.egret.controller.api.ApiFixtures.as;
import static dev.egret.controller.api.ApiFixtures.policyJson;
import static dev.egret.controller.api.ApiFixtures.uniqueName;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class WatchApiTest {
    @TestHTTPResource("/")
    URL base;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private long currentVersion() {
        return Long.parseLong(as(NODE).get("/api/v1/policies").then().statusCode(200).extract()
                .path("metadata.resourceVersion"));
    }

    private CompletableFuture<HttpResponse<String>> watch(long rv, int timeout) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(base + "api/v1/policies?watch=true&resourceVersion="
                        + rv + "&timeoutSeconds=" + timeout)).header("Authorization", "Bearer " + NODE).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void write() {
        String name = uniqueName("watch");
        as(ADMIN).contentType("application/json").body(policyJson(name, 443)).put("/api/v1/policies/" + name)
                .then().statusCode(201);
    }

    @Test
    void answersAtOnceWhenTheNodeIsBehind() {
        write();
        long rv = currentVersion();
        long start = System.nanoTime();
        as(NODE).get("/api/v1/policies?watch=true&timeoutSeconds=30&resourceVersion=" + (rv - 1)).then()
                .statusCode(200);
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
        String changedAt = as(NODE).get("/api/v1/policies").then().extract().path("metadata.changedAt");
        assertTrue(Duration.between(Instant.parse(changedAt), Instant.now()).abs().toMinutes() < 5, changedAt);
    }

    @Test
    void answersAtTheNextWrite() throws Exception {
        long rv = currentVersion();
        CompletableFuture<HttpResponse<String>> w = watch(rv, 60);
        Thread.sleep(300);
        assertFalse(w.isDone(), "nothing changed yet");
        write();
        HttpResponse<String> r = w.get(10, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("\"resourceVersion\":\"" + (rv + 1) + "\"") || r.body().contains(
                "\"resourceVersion\":\"" + (rv + 2) + "\""), r.body());
        assertTrue(r.body().contains("\"changedAt\""), r.body());
    }

    @Test
    void answersAfterTheTimeoutWithTheSameVersion() throws Exception {
        long rv = currentVersion();
        long start = System.nanoTime();
        HttpResponse<String> r = watch(rv, 1).get(10, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, r.statusCode());
        assertTrue(ms >= 900, "waited the timeout: " + ms + " ms");
        assertTrue(r.body().contains("\"kind\":\"EgressPolicyList\""));
    }

    @Test
    void manyWaitersHoldNoThreads() throws Exception {
        long rv = currentVersion();
        List<CompletableFuture<HttpResponse<String>>> waiters = new ArrayList<>();
        for (int i = 0; i < 300; i++) { // more than the worker pool's threads
            waiters.add(watch(rv, 60));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String metrics;
        do {
            Thread.sleep(100);
            metrics = given().get("/q/metrics").then().extract().asString();
        } while (!metrics.contains("egret_policy_watchers 300.0") && System.nanoTime() < deadline);
        assertTrue(metrics.contains("egret_policy_watchers 300.0"), metrics.lines()
                .filter(l -> l.startsWith("egret_policy_watchers")).toList().toString());
        long start = System.nanoTime();
        as(NODE).get("/api/v1/policies").then().statusCode(200);
        as(ADMIN).get("/api/v1/changes").then().statusCode(200);
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(2).toNanos(), "other requests are still served");
        write();
        for (CompletableFuture<HttpResponse<String>> w : waiters) {
            assertEquals(200, w.get(20, TimeUnit.SECONDS).statusCode());
        }
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {"watch|yes", "resourceVersion|-1", "resourceVersion|abc",
            "timeoutSeconds|301", "timeoutSeconds|-5"})
    void badParametersAre400(String param, String value) {
        as(NODE).queryParam("watch", param.equals("watch") ? value : "true").queryParam(param, value)
                .get("/api/v1/policies").then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", hasItem(param));
    }
}
