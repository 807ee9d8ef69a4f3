package dev.egret.node.run;

import dev.egret.node.cgroup.CgroupMounts;
import dev.egret.node.testkit.EgretRunner;
import dev.egret.node.testkit.Servers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an {@code egret run} killed with SIGKILL leaves behind, and when a later run removes it. */
class StaleRunsIT {
    private EgretRunner egret;
    private Servers server;
    private CgroupMounts mounts;
    private final List<Process> started = new ArrayList<>();
    @TempDir
    Path tmp;

    @BeforeEach
    void start() throws IOException {
        server = new Servers("0.0.0.0");
        egret = new EgretRunner();
        mounts = CgroupMounts.fromProc();
    }

    @AfterEach
    void cleanUp() throws Exception {
        Files.writeString(tmp.resolve("stop"), "");
        for (Process p : started) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        server.close();
        egret.close();
    }

    /** Waits in a loop until {@code tmp/<stop>} exists, then tries a denied connect and writes what happened. */
    private Process startWaiting(Path policy, String stop) throws IOException {
        String connect = "import socket\ntry:\n    socket.create_connection(('127.0.0.2', " + server.port() + "), 3); print('ok')\n"
                + "except PermissionError:\n    print('EPERM')\n";
        Process p = egret.start(List.of("--policy", policy.toString(), "--", "sh", "-c",
                "while [ ! -e " + tmp.resolve(stop) + " ] && [ ! -e " + tmp.resolve("stop") + " ]; do sleep 0.05; done; "
                        + "python3 -c \"" + connect + "\" > " + tmp.resolve(stop + ".result")));
        started.add(p);
        Thread.ofPlatform().daemon().start(() -> drain(p.getInputStream()));
        Thread.ofPlatform().daemon().start(() -> drain(p.getErrorStream()));
        return p;
    }

    @Test
    void aKilledRunKeepsEnforcingUntilItsCommandEndsThenTheNextRunRemovesWhatItLeft() throws Exception {
        Path policy = tmp.resolve("policy.yaml");
        Files.writeString(policy, """
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: deploy}
                spec:
                  egress: [{toCIDR: [127.0.0.1/32]}]
                  limits: {memory: 64Mi, pids: 50}
                """);
        Process live = startWaiting(policy, "stop-live");
        Process killed = startWaiting(policy, "stop-orphan");
        String liveRun = waitForRun(live.pid());
        String killedRun = waitForRun(killed.pid());

        killed.destroyForcibly(); // SIGKILL: no cleanup
        assertTrue(killed.waitFor(10, TimeUnit.SECONDS));
        assertTrue(exists(killedRun), "pins and cgroup stay with the command that still runs");

        EgretRunner.Result meanwhile = egret.run(List.of("--policy", policy.toString(), "--", "true"));
        assertEquals(0, meanwhile.exit(), meanwhile.stderr());
        assertFalse(meanwhile.stderr().contains(killedRun), "not even tried: " + meanwhile.stderr());
        assertTrue(exists(killedRun), "its command still runs: its enforcement is kept");
        assertTrue(exists(liveRun), "a live run is never touched");

        Files.writeString(tmp.resolve("stop-orphan"), "");
        waitUntil(() -> Files.exists(tmp.resolve("stop-orphan.result")) && !populated(killedRun));
        assertEquals("EPERM", Files.readString(tmp.resolve("stop-orphan.result")).strip(),
                "the orphaned command was policed to its last connect");

        EgretRunner.Result after = egret.run(List.of("--policy", policy.toString(), "--", "true"));
        assertEquals(0, after.exit(), after.stderr());
        assertTrue(after.stderr().contains("removed the pins and cgroup of " + killedRun), after.stderr());
        assertFalse(Files.exists(egret.pinDir.resolve(killedRun)), "pins removed");
        assertFalse(Files.exists(v2(killedRun)), "cgroup removed");
        for (String c : List.of("memory", "pids")) {
            mounts.v1(c).ifPresent(root -> assertFalse(Files.exists(root.resolve(egret.id).resolve(killedRun)),
                    "v1 " + c + " mirror removed"));
        }
        assertTrue(exists(liveRun), "the live run is still untouched");

        Files.writeString(tmp.resolve("stop-live"), "");
        assertTrue(live.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, live.exitValue());
        assertEquals("EPERM", Files.readString(tmp.resolve("stop-live.result")).strip());
        assertFalse(exists(liveRun) || Files.exists(v2(liveRun)), "a run that ends cleans up after itself");
    }

    private Path v2(String run) {
        return mounts.v2Root().resolve(egret.id).resolve(run);
    }

    private boolean exists(String run) {
        return Files.isDirectory(egret.pinDir.resolve(run)) && Files.isDirectory(v2(run));
    }

    private boolean populated(String run) {
        try {
            return Files.readAllLines(v2(run).resolve("cgroup.events")).contains("populated 1");
        } catch (IOException e) {
            return false;
        }
    }

    /** The run of the egret with this pid, once its command is in its cgroup. */
    private String waitForRun(long pid) throws Exception {
        String[] found = new String[1];
        waitUntil(() -> {
            try (Stream<Path> s = Files.list(egret.pinDir)) {
                found[0] = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("run-" + pid + "-"))
                        .findFirst().orElse(null);
            } catch (IOException e) {
                return false;
            }
            return found[0] != null && populated(found[0]);
        });
        return found[0];
    }

    private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(50);
        }
    }

    private static void drain(InputStream in) {
        try (in) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the process ended
        }
    }
}
