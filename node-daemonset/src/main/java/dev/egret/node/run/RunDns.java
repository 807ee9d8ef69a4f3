package dev.egret.node.run;

import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.dns.DnsMetrics;
import dev.egret.node.dns.DnsProxy;
import dev.egret.node.dns.DnsProxyConfig;
import dev.egret.node.dns.DnsQueryEvent;
import dev.egret.node.dns.WorkloadPolicies;
import dev.egret.policy.EgressPolicy;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** The DNS proxy of one {@code egret run}: its own Vert.x, its own datapath writer thread. */
final class RunDns implements AutoCloseable {
    private final Vertx vertx;
    private final ExecutorService writer;
    private final DnsProxy proxy;

    private RunDns(Vertx vertx, ExecutorService writer, DnsProxy proxy) {
        this.vertx = vertx;
        this.writer = writer;
        this.proxy = proxy;
    }

    static RunDns start(EgretDatapath datapath, EgressPolicy policy, String workload, long cgroupId, int slot,
                        List<String> upstreams, Duration grace, Consumer<DnsQueryEvent> events) {
        DnsProxyConfig cfg = new DnsProxyConfig(upstreams.stream().map(DnsProxyConfig::parseUpstream).toList(),
                Duration.ofSeconds(2), grace, Duration.ofMillis(500));
        Vertx vertx = Vertx.vertx();
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("egret-dns-writer").unstarted(r));
        WorkloadPolicies policies = id -> id == cgroupId
                ? Optional.of(new WorkloadPolicies.Bound(workload, slot, policy)) : Optional.empty();
        DnsProxy proxy = new DnsProxy(vertx, datapath, policies, cfg, events, writer, DnsMetrics.NONE);
        try {
            datapath.redirectDns(proxy.start());
        } catch (RuntimeException e) {
            proxy.close();
            writer.shutdownNow();
            vertx.close();
            throw e;
        }
        return new RunDns(vertx, writer, proxy);
    }

    @Override
    public void close() {
        proxy.close();
        writer.shutdown();
        try {
            writer.awaitTermination(2, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // best effort at exit
        }
    }
}
