package dev.egret.node.run;

import dev.egret.node.testkit.EgretRunner;
import dev.egret.node.testkit.Servers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Drives the built {@code ./egret run} as a user would. */
class EgretRunIT {
    private EgretRunner egret;
    private Servers server;
    @TempDir
    Path tmp;

    @BeforeEach
    void start() throws IOException {
        server = new Servers("0.0.0.0");
        egret = new EgretRunner();
    }

    @AfterEach
    void cleanUp() throws Exception {
        server.close();
        egret.close();
    }

    private Path policy(String spec) throws IOException {
        Path f = tmp.resolve("policy-" + UUID.randomUUID() + ".yaml");
        Files.writeString(f, "apiVersion: egret.dev/v1\nkind: EgressPolicy\nmetadata: {name: deploy}\nspec:\n" + spec);
        return f;
    }

    private Process start(List<String> args) throws IOException {
        return egret.start(args);
    }

    private EgretRunner.Result run(List<String> args) throws Exception {
        return egret.run(args);
    }

    private String tryConnect(String host, String mark) {
        return "(exec 3<>/dev/tcp/" + host + "/" + server.port() + ") 2>/dev/null && echo " + mark + "-ok || echo " + mark + "-refused";
    }

    @Test
    void enforcesReportsAndReturnsTheExitCode() throws Exception {
        Path audit = tmp.resolve("audit.jsonl");
        Path p = policy("  egress: [{toCIDR: [127.0.0.1/32], toPorts: [{port: " + server.port() + ", protocol: TCP}]}]\n"
                + "  limits: {memory: 64Mi, pids: 100}\n");
        EgretRunner.Result r = run(List.of("--policy", p.toString(), "--audit-log", audit.toString(), "--", "bash", "-c",
                tryConnect("127.0.0.1", "allowed") + "; " + tryConnect("127.0.0.2", "other") + "; exit 7"));
        assertEquals(7, r.exit(), r.stderr());
        assertEquals(List.of("allowed-ok", "other-refused"), r.stdout().lines().toList());
        assertTrue(r.stderr().contains("1 allowed, 1 denied"), r.stderr());
        assertTrue(r.stderr().lines().anyMatch(l -> l.contains("deny") && l.contains("127.0.0.2")
                && l.contains(Integer.toString(server.port())) && l.contains("no egress rule allows")), r.stderr());
        assertTrue(r.stderr().contains("limit 64Mi"), r.stderr());
        List<String> lines = Files.readAllLines(audit);
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(1).contains("\"verdict\":\"deny\"") && lines.get(1).contains("\"destination\":\"127.0.0.2\"")
                && lines.get(1).contains("\"command\":\"bash\""), lines.get(1));
    }

    @Test
    void auditModeLetsThroughAndReports() throws Exception {
        Path p = policy("  egress: []\n");
        EgretRunner.Result r = run(List.of("--policy", p.toString(), "--mode", "audit", "--", "bash", "-c", tryConnect("127.0.0.2", "x")));
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("x-ok", r.stdout().strip());
        assertTrue(r.stderr().contains("audit mode") && r.stderr().contains("1 audit-denied"), r.stderr());
    }

    @Test
    void packetAndRawSocketsAreRefused() throws Exception {
        Path p = policy("  egress: [{toCIDR: ['0.0.0.0/0']}]\n");
        EgretRunner.Result r = run(List.of("--policy", p.toString(), "--", "python3", "-c", """
                import socket
                for fam, typ in [(socket.AF_PACKET, socket.SOCK_RAW), (socket.AF_INET, socket.SOCK_RAW)]:
                    try:
                        socket.socket(fam, typ, 1).close(); print("open")
                    except PermissionError:
                        print("refused")
                """));
        assertEquals(List.of("refused", "refused"), r.stdout().lines().toList(), r.stderr());
    }

    @Test
    void anInvalidPolicyNamesTheFieldAndRunsNothing() throws Exception {
        Path marker = tmp.resolve("ran");
        Path p = policy("  egress: [{toCIDR: [10.0.0.0/33]}]\n");
        EgretRunner.Result r = run(List.of("--policy", p.toString(), "--", "touch", marker.toString()));
        assertEquals(2, r.exit());
        assertTrue(r.stderr().contains("spec.egress[0].toCIDR[0]"), r.stderr());
        assertFalse(Files.exists(marker));
    }

    @Test
    void killingEgretWithSigkillLetsNoDeniedConnectThrough() throws Exception {
        Path log = tmp.resolve("loop.log");
        Path p = policy("  egress: [{toCIDR: [127.0.0.1/32], toPorts: [{port: " + server.port() + "}]}]\n");
        String loop = "for i in $(seq 300); do " + tryConnect("127.0.0.2", "denied") + "; "
                + tryConnect("127.0.0.1", "allowed") + "; sleep 0.01; done";
        Process egret = start(List.of("--policy", p.toString(), "--", "bash", "-c", loop + " > " + log));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (lines(log) < 20 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        long java = egret.toHandle().descendants().filter(h -> h.info().command().orElse("").endsWith("java"))
                .map(ProcessHandle::pid).findFirst().orElse(egret.pid());
        new ProcessBuilder("kill", "-9", Long.toString(java)).start().waitFor();
        new ProcessBuilder("kill", "-9", Long.toString(egret.pid())).start().waitFor();
        int atKill = lines(log);
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (lines(log) < 600 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        List<String> all = Files.readAllLines(log);
        assertTrue(all.size() > atKill + 100, "the workload kept running after egret died: " + atKill + " -> " + all.size());
        assertEquals(0, all.stream().filter(l -> l.equals("denied-ok")).count(), "no denied connect got through");
        assertEquals(0, all.stream().filter(l -> l.equals("allowed-refused")).count(), "allowed connects kept working");
    }

    private static int lines(Path f) throws IOException {
        return Files.exists(f) ? Files.readAllLines(f).size() : 0;
    }
}
