package dev.egret.node.run;

import dev.egret.node.cgroup.CgroupMounts;
import dev.egret.node.testkit.EgretRunner;
import dev.egret.node.testkit.Servers;
import dev.egret.node.testkit.TestDnsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A root command under {@code ./egret run} tries to undo its own enforcement, as a hostile or careless deploy script
 * run with sudo would, and fails; what it legitimately does still works.
 */
class RunConfinementIT {
    private static final int CAP_DAC_OVERRIDE = 1;
    private static final int CAP_KILL = 5;
    private static final Map<String, Integer> MUST_BE_GONE = Map.of("CAP_NET_ADMIN", 12, "CAP_NET_RAW", 13,
            "CAP_SYS_MODULE", 16, "CAP_SYS_PTRACE", 19, "CAP_SYS_ADMIN", 21, "CAP_BPF", 39);
    /** Prints ok, EPERM or the error of one TCP connect per argument {@code host:port}. */
    private static final String CONNECT = """
            import socket, sys
            for a in sys.argv[1:]:
                host, port = a.rsplit(":", 1)
                try:
                    socket.create_connection((host, int(port)), 3).close(); print(a, "ok")
                except PermissionError:
                    print(a, "EPERM")
                except OSError as e:
                    print(a, type(e).__name__)
            """;

    private EgretRunner egret;
    private Servers server;
    @TempDir
    Path tmp;

    @BeforeEach
    void start() throws IOException {
        server = new Servers("0.0.0.0");
        egret = new EgretRunner();
        Files.writeString(tmp.resolve("connect.py"), CONNECT);
    }

    @AfterEach
    void cleanUp() throws Exception {
        server.close();
        egret.close();
    }

    private Path policy(String spec) throws IOException {
        Path f = tmp.resolve("policy-" + UUID.randomUUID() + ".yaml");
        Files.writeString(f, "apiVersion: egret.dev/v1\nkind: EgressPolicy\nmetadata: {name: deploy}\nspec:\n"
                + "  egress: [{toCIDR: [127.0.0.1/32], toPorts: [{port: " + server.port() + ", protocol: TCP}]}]\n" + spec);
        return f;
    }

    private String connects() {
        return "python3 " + tmp.resolve("connect.py") + " 127.0.0.1:" + server.port() + " 127.0.0.2:" + server.port();
    }

    /** A shell line that runs {@code attempt} and prints {@code label done} or {@code label refused}. */
    private static String attempt(String label, String attempt) {
        return "if (" + attempt + ") >/dev/null 2>&1; then echo '" + label + " done'; else echo '" + label + " refused'; fi";
    }

    @Test
    void aRootCommandCanNeitherLeaveItsCgroupsNorRaiseItsLimitsAndStaysPoliced() throws Exception {
        CgroupMounts mounts = CgroupMounts.fromProc();
        Path v2 = mounts.v2Root();
        Path checked = tmp.resolve("checked");
        // its limits first: the files of its own cgroups, wherever it sees them
        List<String> script = new ArrayList<>(List.of(
                attempt("its cgroup2 memory.max", "echo max > " + own(v2, "0:") + "/memory.max"),
                attempt("its cgroup2 pids.max", "echo max > " + own(v2, "0:") + "/pids.max")));
        mounts.v1("memory").ifPresent(root -> script.add(attempt("its v1 memory limit",
                "echo 9223372036854771712 > " + own(root, "[0-9]*:memory") + "/memory.limit_in_bytes")));
        mounts.v1("pids").ifPresent(root -> script.add(attempt("its v1 pids limit",
                "echo max > " + own(root, "[0-9]*:pids") + "/pids.max")));
        script.addAll(List.of(
                attempt("cgroup2 root", "echo $$ > " + v2.resolve("cgroup.procs")),
                attempt("cgroup2 root through the /proc of egret", "echo $$ > /proc/$PPID/root" + v2.resolve("cgroup.procs")),
                attempt("cgroup2 root through the /proc of init", "echo $$ > /proc/1/root" + v2.resolve("cgroup.procs")),
                attempt("the namespaces of egret", "nsenter --cgroup=/proc/$PPID/ns/cgroup --mount=/proc/$PPID/ns/mnt true"),
                attempt("a new cgroup2 mount", "mkdir -p " + tmp.resolve("cg") + " && mount -t cgroup2 none " + tmp.resolve("cg")),
                attempt("remount read-write", "mount -o remount,rw " + v2)));
        // on a hybrid host the limits live in v1 mirrors: those roots must be out of reach too
        for (String c : List.of("memory", "pids")) {
            mounts.v1(c).ifPresent(root -> {
                script.add(attempt("v1 " + c + " root", "echo $$ > " + root.resolve("cgroup.procs")));
                script.add(attempt("v1 " + c + " root through the /proc of egret",
                        "echo $$ > /proc/$PPID/root" + root.resolve("cgroup.procs")));
            });
        }
        script.add("grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status");
        script.add("echo pid $$; while [ ! -e " + checked + " ]; do sleep 0.05; done");
        script.add(connects());
        Process p = egret.start(List.of("--policy", policy("  limits: {memory: 64Mi, pids: 100}\n").toString(),
                "--", "bash", "-c", String.join("\n", script)));
        List<String> out = new ArrayList<>();
        List<String> whereItIs;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream())); var err = p.getErrorStream()) {
            Thread.ofPlatform().daemon().start(() -> drain(err));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("pid ")) {
                out.add(line);
            }
            assertTrue(line != null, "the command ended early: " + out);
            whereItIs = Files.readAllLines(Path.of("/proc", line.substring(4), "cgroup")); // as the host sees it
            Files.writeString(checked, "");
            in.lines().forEach(out::add);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }

        assertEquals(0, p.exitValue(), out.toString());
        List<String> attempts = out.stream().filter(l -> l.endsWith(" done") || l.endsWith(" refused")).toList();
        assertTrue(attempts.size() >= 8, out.toString());
        assertEquals(List.of(), attempts.stream().filter(l -> l.endsWith(" done")).toList(), "every escape refused: " + out);
        String home = "/" + egret.id + "/run-";
        assertTrue(whereItIs.stream().anyMatch(l -> l.startsWith("0::" + home)), "in its workload cgroup: " + whereItIs);
        for (String c : List.of("memory", "pids")) {
            if (mounts.v1(c).isPresent()) {
                assertTrue(whereItIs.stream().anyMatch(l -> l.matches("\\d+:" + c + ":" + home + ".*")),
                        "in its " + c + " mirror: " + whereItIs);
            }
        }
        for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
            BigInteger caps = capabilities(out, set);
            MUST_BE_GONE.forEach((name, bit) -> assertFalse(caps.testBit(bit), name + " in " + set + ": " + out));
        }
        BigInteger eff = capabilities(out, "CapEff");
        assertTrue(eff.testBit(CAP_DAC_OVERRIDE) && eff.testBit(CAP_KILL), "otherwise still root: " + out);
        assertTrue(out.contains("127.0.0.1:" + server.port() + " ok"), out.toString());
        assertTrue(out.contains("127.0.0.2:" + server.port() + " EPERM"), "the denied connect fails at once: " + out);
    }

    /** The directory of the command's own cgroup under a hierarchy's mount, as the command sees it. */
    private static String own(Path mount, String hierarchy) {
        return mount + "$(sed -n 's/^" + hierarchy + "://p' /proc/self/cgroup)";
    }

    @Test
    void aRootCommandCanNeitherDetachNorRemoveThePinnedPrograms() throws Exception {
        Path ids = tmp.resolve("ids");
        Path pins = tmp.resolve("pins");
        String script = String.join("\n",
                "while [ ! -s " + ids + " ]; do sleep 0.05; done",
                "for id in $(cat " + ids + "); do " + attempt("detach link $id", "bpftool link detach id $id") + "; done",
                "for pin in $(cat " + pins + "); do " + attempt("detach $pin", "bpftool link detach pinned $pin")
                        + "; " + attempt("remove $pin", "rm $pin") + "; done",
                attempt("list programs", "bpftool prog show"),
                attempt("uninstall", "rm -r " + egret.pinDir),
                connects());
        Process p = egret.start(List.of("--policy", policy("").toString(), "--", "bash", "-c", script));
        try (var in = p.getInputStream(); var err = p.getErrorStream()) {
            Thread.ofPlatform().daemon().start(() -> drain(err));
            List<Path> links = waitForLinks();
            List<String> linkIds = new ArrayList<>();
            for (Path l : links) {
                linkIds.add(linkId(l));
            }
            Files.writeString(pins, links.stream().map(Path::toString).collect(Collectors.joining("\n")));
            Path staged = tmp.resolve("ids.tmp");
            Files.writeString(staged, String.join("\n", linkIds));
            Files.move(staged, ids, StandardCopyOption.ATOMIC_MOVE);
            String stdout = new String(in.readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            List<String> out = stdout.lines().toList();
            List<String> attempts = out.stream().filter(l -> l.endsWith(" done") || l.endsWith(" refused")).toList();
            assertEquals(2 * links.size() + links.size() + 2, attempts.size(), out.toString());
            assertEquals(List.of(), attempts.stream().filter(l -> l.endsWith(" done")).toList(), out.toString());
            assertTrue(out.contains("127.0.0.2:" + server.port() + " EPERM"), "still enforced: " + out);
            assertTrue(out.contains("127.0.0.1:" + server.port() + " ok"), out.toString());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void whatARootCommandLegitimatelyDoesStillWorks() throws Exception {
        try (TestDnsServer dns = new TestDnsServer().add("allowed.test. 60 A 127.0.0.1").add("other.test. 60 A 127.0.0.2")) {
            Path resolv = tmp.resolve("resolv.conf");
            Files.writeString(resolv, "nameserver 192.0.2.53\noptions timeout:2 attempts:1\n");
            Path p = bare("  egress: [{toFQDNs: [{matchName: allowed.test}], toPorts: [{port: " + server.port() + "}]}]\n");
            EgretRunner.Result r = egret.runWithResolvConf(resolv, List.of("--policy", p.toString(),
                    "--dns-upstream", dns.upstream(), "--", "bash", "-c", String.join("\n",
                            "echo uid $(id -u)",
                            "dig +short @192.0.2.53 allowed.test",
                            "python3 " + tmp.resolve("connect.py") + " allowed.test:" + server.port()
                                    + " other.test:" + server.port(),
                            "touch " + tmp.resolve("written") + " && echo files ok")));
            assertEquals(0, r.exit(), r.stderr());
            assertEquals(List.of("uid 0", "127.0.0.1", "allowed.test:" + server.port() + " ok",
                    "other.test:" + server.port() + " gaierror", "files ok"), r.stdout().lines().toList(), r.stderr());
            assertTrue(r.stderr().lines().anyMatch(l -> l.contains("allow") && l.contains("allowed.test (A)")), r.stderr());
        }
    }

    @Test
    void rawSocketsOpenOnlyWhenThePolicyAllowsThemAndTheirPacketsAreStillJudged() throws Exception {
        Path ping = tmp.resolve("ping.py");
        Files.writeString(ping, """
                import os, select, socket, struct, time
                def checksum(b):
                    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
                    s = (s >> 16) + (s & 0xffff); s += s >> 16
                    return ~s & 0xffff
                try:
                    socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3)).close(); print("packet open")
                except PermissionError:
                    print("packet refused")
                try:
                    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); print("raw open")
                except PermissionError:
                    print("raw refused"); raise SystemExit
                ident = os.getpid() & 0xffff
                for seq, dest in enumerate(["127.0.0.1", "127.0.0.2"]):
                    body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"egret"
                    packet = body[:2] + struct.pack("!H", checksum(body + b"\\0")) + body[4:]
                    try:
                        s.sendto(packet, (dest, 0))
                    except PermissionError:
                        print(dest, "EPERM"); continue
                    deadline, answer = time.time() + 1, "no reply"
                    while time.time() < deadline and answer == "no reply":
                        if select.select([s], [], [], deadline - time.time())[0]:
                            data, addr = s.recvfrom(1024)
                            icmp = data[(data[0] & 15) * 4:]
                            if icmp[0] == 0 and struct.unpack("!HH", icmp[4:8]) == (ident, seq):
                                answer = "reply"
                    print(dest, answer)
                """);
        String icmpRule = "  egress: [{toCIDR: [127.0.0.1/32]}]\n";
        List<String> refused = run(icmpRule, List.of(), ping);
        assertEquals(List.of("packet refused", "raw refused"), refused);

        List<String> allowed = run(icmpRule + "  allowRawSockets: true\n", List.of(), ping);
        assertEquals("packet open", allowed.get(0), allowed.toString());
        assertEquals("raw open", allowed.get(1), allowed.toString());
        assertEquals("127.0.0.1 reply", allowed.get(2), "ICMP to an allowed destination: " + allowed);
        assertEquals("127.0.0.2 EPERM", allowed.get(3), "ICMP elsewhere is still refused: " + allowed);

        // audit mode refuses nothing: the sockets open and are recorded as what the policy would refuse
        List<String> audited = run(icmpRule, List.of("--mode", "audit"), ping);
        assertEquals(List.of("packet open", "raw open", "127.0.0.1 reply", "127.0.0.2 reply"), audited);
        assertTrue(lastStderr.lines().anyMatch(l -> l.contains("audit-deny") && l.contains("(sock_create)")), lastStderr);
    }

    private String lastStderr;

    private List<String> run(String spec, List<String> options, Path python) throws Exception {
        List<String> args = new ArrayList<>(List.of("--policy", bare(spec).toString()));
        args.addAll(options);
        args.addAll(List.of("--", "python3", python.toString()));
        EgretRunner.Result r = egret.run(args);
        lastStderr = r.stderr();
        return r.stdout().lines().toList();
    }

    /** A policy of only {@code spec}. */
    private Path bare(String spec) throws IOException {
        Path f = tmp.resolve("policy-" + UUID.randomUUID() + ".yaml");
        Files.writeString(f, "apiVersion: egret.dev/v1\nkind: EgressPolicy\nmetadata: {name: raw}\nspec:\n" + spec);
        return f;
    }

    private static BigInteger capabilities(List<String> out, String set) {
        return out.stream().filter(l -> l.startsWith(set + ":")).findFirst()
                .map(l -> new BigInteger(l.substring(set.length() + 1).strip(), 16))
                .orElseThrow(() -> new AssertionError(set + " not in " + out));
    }

    /** The link pins of the run, once there are all of them (ten, or eleven with the LSM hook) and no more come. */
    private List<Path> waitForLinks() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<Path> seen = List.of();
        while (System.nanoTime() < deadline) {
            List<Path> links = new ArrayList<>();
            if (Files.isDirectory(egret.pinDir)) {
                try (Stream<Path> runs = Files.list(egret.pinDir)) {
                    for (Path run : runs.toList()) {
                        try (Stream<Path> s = Files.list(run)) {
                            s.filter(f -> f.getFileName().toString().startsWith("link_")).sorted().forEach(links::add);
                        }
                    }
                }
            }
            if (links.size() >= 10 && links.equals(seen)) {
                return links;
            }
            seen = links;
            Thread.sleep(300);
        }
        throw new AssertionError("the run's links never appeared under " + egret.pinDir + ": " + seen);
    }

    private static String linkId(Path pin) throws Exception {
        Process p = new ProcessBuilder("bpftool", "-j", "link", "show", "pinned", pin.toString()).start();
        String json = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), json);
        return json.replaceAll("(?s).*\"id\":(\\d+).*", "$1");
    }

    private static void drain(InputStream in) {
        try {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the process ended
        }
    }
}
