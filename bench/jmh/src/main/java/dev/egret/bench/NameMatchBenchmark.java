package dev.egret.bench;

import dev.egret.node.dns.NameDecider;
import dev.egret.node.dns.NameDecision;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.FqdnMatcher;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Names per second against a policy of {@code patterns} name patterns, half the names matching: the policy module's
 * indexed matcher, and the decision the DNS proxy makes per query ({@link NameDecider}); and compiling the latter.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class NameMatchBenchmark {
    @Param({"1000", "10000"})
    int patterns;

    private EgressPolicy policy;
    private FqdnMatcher matcher;
    private NameDecider decider;
    private String[] names;
    private int next;

    @Setup
    public void setUp() {
        policy = BenchPolicies.patterns(patterns);
        matcher = FqdnMatcher.of(policy.spec().egress().get(0).toFQDNs());
        decider = NameDecider.of(policy);
        names = BenchPolicies.names(patterns);
    }

    private String name() {
        next = (next + 1) & (names.length - 1);
        return names[next];
    }

    /** The policy module's matcher (exact names hashed, patterns indexed by literal suffix). */
    @Benchmark
    public Optional<Integer> fqdnMatcher() {
        return matcher.firstMatch(name());
    }

    /** What the proxy runs per query to decide a name (with the policy's compiled decider). */
    @Benchmark
    public NameDecision proxyDecision() {
        return decider.decide(name());
    }

    /** Compiling a policy's name rules (once per policy version): compilations per second. */
    @Benchmark
    public NameDecider compileDecider() {
        return NameDecider.of(policy);
    }
}
