package dev.egret.node.dns;

import dev.egret.node.testkit.EgretRunner;
import dev.egret.node.testkit.Servers;
import dev.egret.node.testkit.TestDnsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Name-based egress end to end: {@code ./egret run} with its DNS proxy, a test zone served on loopback, and
 * workloads that resolve through a private resolv.conf (a mount namespace) with glibc, dig and the JVM.
 */
class DnsRunIT {
    private static final String CLIENT = """
            import socket, sys, time
            P = int(sys.argv[1])
            def conn(host):
                fam = socket.AF_INET6 if host.startswith("v6") else socket.AF_INET
                if host.startswith("ip:"):
                    infos = [(socket.AF_INET, 0, 0, "", (host[3:], P))]
                else:
                    try:
                        infos = socket.getaddrinfo(host, P, fam, socket.SOCK_STREAM)
                    except socket.gaierror:
                        return "dns-fail"
                addr = infos[0][4]
                try:
                    s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(3); s.connect(addr); s.close()
                    return "ok " + addr[0]
                except PermissionError:
                    return "EPERM " + addr[0]
                except Exception as e:
                    return type(e).__name__
            if sys.argv[2] == "loop":
                fails = 0
                for i in range(int(sys.argv[3])):
                    if not conn("n%d.loop.test" % i).startswith("ok"):
                        fails += 1
                print("loops", sys.argv[3], "failed", fails)
            elif sys.argv[2] == "expiry":
                print("first", conn("short.test"))
                kept = socket.create_connection(("127.0.0.9", P), 3)
                time.sleep(3.5)
                print("after", conn("ip:127.0.0.9"))
                try:
                    kept.sendall(b"x"); print("established still works")
                except Exception as e:
                    print("established cut", type(e).__name__)
            else:
                for h in sys.argv[2:]:
                    print(h, conn(h))
            """;

    private EgretRunner egret;
    private Servers server;
    private TestDnsServer dns;
    @TempDir
    Path tmp;

    @BeforeEach
    void setUp() throws Exception {
        egret = new EgretRunner();
        server = new Servers("::");
        dns = new TestDnsServer()
                .add("allowed.test. 60 A 127.0.0.1").add("denied.test. 60 A 127.0.0.2")
                .add("a.wild.test. 60 A 127.0.0.3").add("x.y.wild.test. 60 A 127.0.0.4")
                .add("a.b.deep.test. 60 A 127.0.0.5").add("alias.test. 60 CNAME mid.other.test.")
                .add("mid.other.test. 60 CNAME target.other.test.").add("target.other.test. 60 A 127.0.0.6")
                .add("v6.test. 60 AAAA ::1").add("short.test. 1 A 127.0.0.9");
        for (int i = 0; i < 1000; i++) {
            dns.add("n" + i + ".loop.test. 60 A 127.1." + (i / 250) + "." + (i % 250 + 1));
        }
        Files.writeString(tmp.resolve("resolv.conf"), "nameserver 127.0.0.153\noptions timeout:2 attempts:1\n");
        Files.writeString(tmp.resolve("client.py"), CLIENT);
    }

    @AfterEach
    void tearDown() throws Exception {
        egret.close();
        server.close();
        dns.close();
    }

    private Path policy(String extra) throws Exception {
        Path p = tmp.resolve("p" + System.nanoTime() + ".yaml");
        Files.writeString(p, """
                apiVersion: egret.dev/v1
                kind: EgressPolicy
                metadata: {name: deploy}
                spec:
                  egress:
                    - toFQDNs: [{matchName: allowed.test}, {matchPattern: "*.wild.test"}, {matchPattern: "**.deep.test"},
                                {matchName: alias.test}, {matchName: v6.test}, {matchPattern: "*.loop.test"}, {matchName: short.test}]
                      toPorts: [{port: %d}]
                %s""".formatted(server.port(), extra));
        return p;
    }

    /** A shell line run inside a mount namespace whose /etc/resolv.conf names a loopback resolver. */
    private List<String> run(Path policy, List<String> egretArgs, String shell) throws Exception {
        List<String> args = new ArrayList<>(List.of("--policy", policy.toString(), "--dns-upstream", dns.upstream()));
        args.addAll(egretArgs);
        args.addAll(List.of("--", "unshare", "-m", "sh", "-c",
                "mount --bind " + tmp.resolve("resolv.conf") + " /etc/resolv.conf && " + shell));
        EgretRunner.Result r = egret.run(args);
        lastStderr = r.stderr();
        return r.stdout().lines().toList();
    }

    private String lastStderr;

    private String py(String args) {
        return "python3 " + tmp.resolve("client.py") + " " + server.port() + " " + args;
    }

    @Test
    void namesDecideWhatTheWorkloadReaches() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> out = run(policy(""), List.of(), String.join("; ",
                py("allowed.test denied.test ip:127.0.0.2 a.wild.test x.y.wild.test a.b.deep.test alias.test v6.test"),
                "dig +tcp +short @192.0.2.53 allowed.test",
                "dig @192.0.2.53 denied.test | grep -E 'status|EDE' | sed 's/.*status: \\([A-Z]*\\).*/status \\1/'",
                java + " -cp " + System.getProperty("java.class.path") + " dev.egret.node.testkit.Probe tcp allowed.test "
                        + server.port() + " tcp denied.test " + server.port()));
        assertEquals(List.of(
                "allowed.test ok 127.0.0.1",
                "denied.test dns-fail",
                "ip:127.0.0.2 EPERM 127.0.0.2",
                "a.wild.test ok 127.0.0.3",
                "x.y.wild.test dns-fail",
                "a.b.deep.test ok 127.0.0.5",
                "alias.test ok 127.0.0.6",
                "v6.test ok ::1",
                "127.0.0.1",
                "status REFUSED",
                "; EDE: 15 (Blocked): (blocked by egret policy deploy: no egress rule allows the name denied.test)",
                "ok",
                "ERR UnknownHostException: denied.test: Temporary failure in name resolution"), out, lastStderr);
        assertTrue(lastStderr.lines().anyMatch(l -> l.contains("deny") && l.contains("denied.test (A)")
                && l.contains("no egress rule allows the name")), lastStderr);
        assertTrue(lastStderr.lines().anyMatch(l -> l.contains("allow") && l.contains("alias.test (A)")), lastStderr);
    }

    @Test
    void aThousandResolveThenConnectLoopsNeverLoseAFirstConnect() throws Exception {
        List<String> out = run(policy(""), List.of(), py("loop 1000"));
        assertEquals(List.of("loops 1000 failed 0"), out, lastStderr);
    }

    @Test
    void learnedAddressesExpireButEstablishedConnectionsStay() throws Exception {
        List<String> out = run(policy("  dns: {maxTTL: 1}\n"), List.of("--dns-grace", "0"),
                py("expiry").replace("short.test", "short.test"));
        assertEquals(List.of("first ok 127.0.0.9", "after EPERM 127.0.0.9", "established still works"), out, lastStderr);
    }

    @Test
    void aDeadUpstreamGivesServfailPromptly() throws Exception {
        int closedPort;
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, java.net.InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
        Path p = policy("");
        List<String> args = List.of("--policy", p.toString(), "--dns-upstream", "127.0.0.1:" + closedPort, "--",
                "sh", "-c", "start=$(date +%s%N); dig +tries=1 +time=8 @192.0.2.53 allowed.test | grep -o 'status: [A-Z]*';"
                        + " echo elapsed_ms $(( ($(date +%s%N) - start) / 1000000 ))");
        EgretRunner.Result r = egret.run(args);
        List<String> out = r.stdout().lines().toList();
        assertEquals("status: SERVFAIL", out.get(0), r.stderr());
        long ms = Long.parseLong(out.get(1).split(" ")[1]);
        assertTrue(ms < 4000, "SERVFAIL within the 2 s upstream timeout, not the client's 8 s: " + ms + " ms");
    }

    @Test
    void auditModeForwardsDeniedNamesAndReportsThem() throws Exception {
        List<String> out = run(policy(""), List.of("--mode", "audit"), py("denied.test"));
        assertEquals(List.of("denied.test ok 127.0.0.2"), out, lastStderr);
        assertTrue(lastStderr.lines().anyMatch(l -> l.contains("audit-deny") && l.contains("denied.test (A)")), lastStderr);
    }
}
