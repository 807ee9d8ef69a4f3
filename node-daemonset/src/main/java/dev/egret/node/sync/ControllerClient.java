package dev.egret.node.sync;

import dev.egret.audit.AuditEvent;
import dev.egret.audit.AuditEventCodec;
import dev.egret.policy.json.JsonSyntax;
import dev.egret.policy.json.JsonValue;
import dev.egret.policy.json.JsonWriter;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The node's HTTP client of the controller API: the policy watch (long poll by resource version), the node's
 * registration and event batches. Blocking; callers run it on their own threads. Every call carries the node's
 * bearer token; a non-2xx answer is an {@link IOException} with the status and the problem's detail.
 */
public final class ControllerClient {

    private final URI base;
    private final Supplier<String> token;
    private final HttpClient http;

    public ControllerClient(URI base, Supplier<String> token) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b : b + "/");
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    }

    /**
     * Waits up to {@code wait} for a policy set newer than {@code resourceVersion}.
     *
     * @return the newer set, or empty when the wait ended with no change
     */
    public Optional<PolicySet> watch(long resourceVersion, Duration wait) throws IOException, InterruptedException {
        HttpRequest req = request("api/v1/policies?watch=true&resourceVersion=" + resourceVersion + "&timeoutSeconds="
                + wait.toSeconds()).timeout(wait.plusSeconds(10)).GET().build();
        String body = send(req);
        PolicySet set = PolicySet.parse(body, Instant.now());
        return set.resourceVersion() > resourceVersion ? Optional.of(set) : Optional.empty();
    }

    public void register(String node, String version, long appliedResourceVersion, boolean ready)
            throws IOException, InterruptedException {
        String n = new JsonWriter().beginObject().field("version", version)
                .field("appliedResourceVersion", Long.toString(appliedResourceVersion)).field("ready", ready)
                .endObject().toString();
        send(request("api/v1/nodes/" + URLEncoder.encode(node, StandardCharsets.UTF_8)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(n)).build());
    }

    public void postEvents(List<AuditEvent> batch) throws IOException, InterruptedException {
        send(request("api/v1/events").timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(AuditEventCodec.toJsonArray(batch))).build());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token.get())
                .header("Accept", "application/json");
    }

    private String send(HttpRequest req) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            String detail = r.body();
            try {
                JsonValue d = JsonSyntax.parse(r.body()).get("detail");
                detail = d != null && d.isTextual() ? d.asText() : r.body();
            } catch (Exception ignored) {
                // not a problem document
            }
            throw new IOException(req.method() + " " + req.uri().getPath() + ": HTTP " + r.statusCode() + ": " + detail);
        }
        return r.body();
    }
}
