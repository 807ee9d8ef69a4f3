package dev.egret.controller.api;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.egret.controller.api.ApiFixtures.ADMIN;
import static dev.egret.controller.api.ApiFixtures.NODE;
import static dev.egret.controller.api.ApiFixtures.VIEWER;
import static dev.egret.controller.api.ApiFixtures.as;
import static dev.egret.controller.api.ApiFixtures.batch;
import static dev.egret.controller.api.ApiFixtures.event;
import static dev.egret.controller.api.ApiFixtures.post;
import static dev.egret.controller.api.ApiFixtures.uniqueName;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@QuarkusTest
class AuditApiTest {
    static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    /** 30 events of one workload, one a second: every 3rd denied, every 5th a DNS query, names a-0..a-9.example.com. */
    private static String seed() {
        String w = uniqueName("audit");
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String verdict = i % 3 == 0 ? "deny" : "allow";
            String kind = i % 5 == 0 ? "dns" : "connect";
            events.add(event(w + "-" + i, w, "deploy", kind, "a-" + (i % 10) + ".example.com",
                    kind.equals("dns") ? null : "192.0.2." + i, kind.equals("dns") ? 0 : 443, verdict,
                    T0.plusSeconds(i).toString()));
        }
        post(NODE, batch(events));
        return w;
    }

    private static ExtractableResponse<Response> get(String query) {
        return as(VIEWER).get("/api/v1/audit?" + query).then().statusCode(200).extract();
    }

    @Test
    void newestFirstPagedByContinueTokens() {
        String w = seed();
        List<String> ids = new ArrayList<>();
        String cont = null;
        int pages = 0;
        do {
            ExtractableResponse<Response> r = get("workload=" + w + "&limit=7" + (cont == null ? "" : "&continue=" + cont));
            ids.addAll(r.path("items.id"));
            cont = r.path("metadata.continue");
            pages++;
        } while (cont != null);
        assertEquals(5, pages);
        assertEquals(30, ids.size());
        assertEquals(w + "-29", ids.getFirst());
        assertEquals(w + "-0", ids.getLast());
    }

    @Test
    void pageAndSize() {
        String w = seed();
        ExtractableResponse<Response> p2 = get("workload=" + w + "&page=2&size=10");
        assertEquals(List.of(w + "-19", w + "-18"), ((List<?>) p2.path("items.id")).subList(0, 2));
        assertEquals(Boolean.TRUE, p2.path("metadata.hasMore"));
        assertEquals(Boolean.FALSE, get("workload=" + w + "&page=3&size=10").path("metadata.hasMore"));
        assertEquals(0, (int) get("workload=" + w + "&page=4&size=10").path("items.size()"));
    }

    @Test
    void filtersCombine() {
        String w = seed();
        assertEquals(10, (int) get("workload=" + w + "&verdict=deny&limit=100").path("items.size()"));
        assertEquals(6, (int) get("workload=" + w + "&kind=dns").path("items.size()"));
        assertEquals(3, (int) get("workload=" + w + "&name=a-3.example.com").path("items.size()"));
        assertEquals(30, (int) get("workload=" + w + "&name=*.example.com").path("items.size()"));
        assertEquals(30, (int) get("workload=" + w + "&node=node-a&policy=deploy").path("items.size()"));
        assertEquals(0, (int) get("workload=" + w + "&node=node-z").path("items.size()"));
        ExtractableResponse<Response> window = get("workload=" + w + "&from=" + T0.plusSeconds(10) + "&to="
                + T0.plusSeconds(20));
        assertEquals(10, (int) window.path("items.size()"), "from inclusive, to exclusive");
        assertEquals(w + "-19", window.path("items[0].id"));
        assertEquals(3, (int) as(VIEWER).queryParam("workload", w).queryParam("from", "2026-11-25T11:00:27+01:00")
                .get("/api/v1/audit").then().statusCode(200).extract().path("items.size()"), "a time with an offset");
        ExtractableResponse<Response> one = get("workload=" + w + "&limit=1");
        assertEquals("connect", one.path("items[0].kind"));
        assertEquals("192.0.2.29", one.path("items[0].address"));
        assertEquals("allow", one.path("items[0].verdict"));
        assertNull(get("workload=nobody-at-all").path("metadata.continue"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "verdict|maybe", "kind|ping", "name|*.*bad..", "from|yesterday", "to|2026-13-01T00:00:00Z",
            "limit|0", "limit|1001", "limit|ten", "continue|not-a-token", "page|0", "size|5000"})
    void badParametersAre400NamingThem(String param, String value) {
        as(VIEWER).queryParam(param, value).get("/api/v1/audit").then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", hasItem(param));
    }

    @Test
    void inconsistentParametersAre400() {
        as(VIEWER).get("/api/v1/audit?from=2026-11-25T10:00:00Z&to=2026-11-25T09:00:00Z").then().statusCode(400)
                .body("errors[0].field", equalTo("from"));
        as(VIEWER).get("/api/v1/audit?page=2&limit=5").then().statusCode(400).body("errors[0].field", equalTo("page"));
    }

    @Test
    void nodesMayNotReadTheAudit() {
        as(NODE).get("/api/v1/audit").then().statusCode(403);
        as(ADMIN).get("/api/v1/audit").then().statusCode(200);
    }
}
