package dev.egret.bench;

import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;

/** Policies and query names shared by the benchmarks: one allow rule of {@code *.d<i>.bench} patterns. */
final class BenchPolicies {
    private BenchPolicies() {
    }

    static EgressPolicy patterns(int n) {
        StringBuilder y = new StringBuilder("""
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: jmh}
                spec:
                  workloads: {cgroupPaths: ["bench/*"]}
                  egress:
                    - toFQDNs:
                """);
        for (int i = 0; i < n; i++) {
            y.append("        - matchPattern: '*.d").append(i).append(".bench'\n");
        }
        y.append("      toPorts: [{port: 443, protocol: TCP}]\n");
        return PolicyCodec.parseYaml(y.toString());
    }

    /** 1024 names: even ones match one of the n patterns (spread over all of them), odd ones match none. */
    static String[] names(int n) {
        String[] out = new String[1024];
        for (int i = 0; i < out.length; i++) {
            int d = (int) ((long) i * 7919 % n);
            out[i] = i % 2 == 0 ? "h" + i + ".d" + d + ".bench" : "h" + i + ".x" + d + ".example.org";
        }
        return out;
    }
}
