package dev.egret.node.run;

import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.datapath.LearnedSweeper;
import dev.egret.node.dns.DnsMetrics;
import dev.egret.node.dns.DnsProxy;
import dev.egret.node.dns.DnsProxyConfig;
import dev.egret.node.dns.DnsQueryEvent;
import dev.egret.node.dns.WorkloadPolicies;
import dev.egret.policy.EgressPolicy;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The DNS proxy of one {@code egret run}: its own Vert.x, its own datapath writer thread, and a sweeper that deletes
 * the workload's expired learned addresses (every {@link #SWEEP_INTERVAL}, and when the map is full).
 */
final class RunDns implements AutoCloseable {
    static final Duration SWEEP_INTERVAL = Duration.ofSeconds(10);

    private final Vertx vertx;
    private final ExecutorService writer;
    private final LearnedSweeper sweeper;
    private final DnsProxy proxy;

    private RunDns(Vertx vertx, ExecutorService writer, LearnedSweeper sweeper, DnsProxy proxy) {
        this.vertx = vertx;
        this.writer = writer;
        this.sweeper = sweeper;
        this.proxy = proxy;
    }

    /** @param cgroupId the run's one workload: the cgroup the programs police */
    static RunDns start(EgretDatapath datapath, EgressPolicy policy, String workload, long cgroupId,
                        List<String> upstreams, Duration grace, Consumer<DnsQueryEvent> events) {
        DnsProxyConfig cfg = new DnsProxyConfig(upstreams.stream().map(DnsProxyConfig::parseUpstream).toList(),
                Duration.ofSeconds(2), grace, Duration.ofMillis(500));
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)); // epoll, as the agent
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("egret-dns-writer").unstarted(r));
        LearnedSweeper sweeper = new LearnedSweeper(datapath, writer, r -> { }).start(SWEEP_INTERVAL);
        WorkloadPolicies policies = id -> id == cgroupId
                ? Optional.of(new WorkloadPolicies.Bound(workload, policy)) : Optional.empty();
        DnsProxy proxy = new DnsProxy(vertx, datapath, sweeper, policies, cfg, events, writer, DnsMetrics.NONE);
        try {
            datapath.redirectDns(proxy.start());
        } catch (RuntimeException e) {
            proxy.close();
            sweeper.close();
            writer.shutdownNow();
            vertx.close();
            throw e;
        }
        return new RunDns(vertx, writer, sweeper, proxy);
    }

    @Override
    public void close() {
        proxy.close();
        sweeper.close();
        writer.shutdown();
        try {
            writer.awaitTermination(2, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // best effort at exit
        }
    }
}
