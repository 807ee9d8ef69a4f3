package dev.egret.controller.api;

import dev.egret.controller.JacksonTrees;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.audit.AuditEvent;
import dev.egret.audit.AuditEventCodec;
import dev.egret.audit.AuditFilter;
import dev.egret.controller.store.AuditCursor;
import dev.egret.controller.store.AuditStore;
import dev.egret.policy.NamePattern;
import dev.egret.policy.Verdict;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.Locale;

/**
 * {@code GET /api/v1/audit}: recorded events, newest first, filtered by workload, node, policy, verdict, kind, name
 * (a name or a pattern such as {@code *.github.com}) and time ({@code from} inclusive, {@code to} exclusive, RFC 3339);
 * paged by {@code limit} and the {@code continue} token of the previous answer, or by {@code page} and {@code size}.
 */
@Path("/api/v1/audit")
public class AuditResource {
    static final int MAX_LIMIT = 1000;
    static final int DEFAULT_LIMIT = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    AuditStore store;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public ObjectNode list(@QueryParam("workload") String workload, @QueryParam("node") String node,
                           @QueryParam("policy") String policy, @QueryParam("verdict") String verdict,
                           @QueryParam("kind") String kind, @QueryParam("name") String name,
                           @QueryParam("from") String from, @QueryParam("to") String to,
                           @QueryParam("limit") String limit, @QueryParam("continue") String cont,
                           @QueryParam("page") String page, @QueryParam("size") String size) {
        boolean paged = page != null || size != null;
        if (paged && (limit != null || cont != null)) {
            throw ApiException.badField(page != null ? "page" : "size",
                    "use either limit and continue, or page and size, not both");
        }
        AuditFilter filter = filter(workload, node, policy, verdict, kind, name, from, to);
        ObjectNode out = JSON.createObjectNode();
        ObjectNode meta = out.putObject("metadata");
        AuditStore.Page result;
        if (paged) {
            long p = QueryParams.integer("page", page, 1, 1, Integer.MAX_VALUE);
            int s = (int) QueryParams.integer("size", size, DEFAULT_LIMIT, 1, MAX_LIMIT);
            result = store.query(filter, null, (p - 1) * s, s);
            meta.put("page", p);
            meta.put("size", s);
            meta.put("hasMore", result.next() != null);
        } else {
            int l = (int) QueryParams.integer("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT);
            AuditCursor after = null;
            if (cont != null && !cont.isEmpty()) {
                try {
                    after = AuditCursor.parse(cont);
                } catch (IllegalArgumentException e) {
                    throw ApiException.badField("continue", e.getMessage());
                }
            }
            result = store.query(filter, after, 0, l);
            if (result.next() != null) {
                meta.put("continue", result.next().token());
            }
        }
        ArrayNode items = out.putArray("items");
        for (AuditEvent e : result.items()) {
            items.add(JacksonTrees.event(e));
        }
        return out;
    }

    private static AuditFilter filter(String workload, String node, String policy, String verdict, String kind,
                                      String name, String from, String to) {
        Verdict v = null;
        if (verdict != null) {
            for (Verdict c : Verdict.values()) {
                if (c.wireName().equals(verdict)) {
                    v = c;
                }
            }
            if (v == null) {
                throw ApiException.badField("verdict", "'" + verdict + "' is not allow, deny or audit-deny");
            }
        }
        AuditEvent.Kind k = null;
        if (kind != null) {
            try {
                k = AuditEvent.Kind.valueOf(kind.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiException.badField("kind", "'" + kind + "' is not connect, dns or socket");
            }
        }
        NamePattern n = null;
        if (name != null) {
            try {
                n = NamePattern.compile(name);
            } catch (IllegalArgumentException e) {
                throw ApiException.badField("name", e.getMessage());
            }
        }
        Instant f = QueryParams.time("from", from);
        Instant t = QueryParams.time("to", to);
        try {
            return new AuditFilter(workload, node, policy, v, k, n, f, t);
        } catch (IllegalArgumentException e) {
            throw ApiException.badField("from", e.getMessage());
        }
    }
}
