package dev.egret.node.testkit;

import dev.egret.node.cgroup.WorkloadCgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Runs commands inside a workload cgroup: the shell joins the cgroup, then execs the command. */
public final class InCgroup {
    private InCgroup() {
    }

    public static ProcessBuilder builder(WorkloadCgroup cg, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c",
                "for f in $PROCS; do echo $$ > \"$f\" || exit 125; done; exec \"$@\"", "in-cgroup"));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PROCS", cg.procsFiles().stream().map(Object::toString).collect(Collectors.joining(" ")));
        return pb;
    }

    /** Runs to completion and returns its output lines. */
    public static List<String> run(WorkloadCgroup cg, List<String> command) throws IOException, InterruptedException {
        Process p = builder(cg, command).start();
        try (var in = p.getInputStream(); var out = p.getOutputStream(); var err = p.getErrorStream()) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            return text.lines().toList();
        }
    }

    /** Runs the {@link Probe} in a JVM inside the cgroup. */
    public static List<String> probe(WorkloadCgroup cg, boolean ipv4Stack, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-Djava.net.preferIPv4Stack=" + ipv4Stack,
                "-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        cmd.addAll(List.of(args));
        return run(cg, cmd);
    }
}
