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
import static org.junit.jupiter.api.Assertions.assertFalse;
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
            if sys.argv[2] == "all":
                infos = socket.getaddrinfo(sys.argv[3], P, socket.AF_INET, socket.SOCK_STREAM)
                addrs = sorted({i[4][0] for i in infos})
                ok = sum(1 for a in addrs if conn("ip:" + a).startswith("ok"))
                print(sys.argv[3], "addresses", len(addrs), "connected", ok)
            elif sys.argv[2] == "loop":
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
                .add("v6.test. 60 AAAA ::1").add("short.test. 1 A 127.0.0.9").add("protected.test. 60 A 127.0.0.8");
        for (int i = 1; i <= 40; i++) {
            dns.add("big.test. 60 A 127.3.0." + i); // over 512 bytes: truncated for clients without EDNS
        }
        for (int i = 1; i <= 150; i++) {
            dns.add("huge.test. 60 A 127.4." + (i / 200) + "." + (i % 200 + 1)); // over 2048 bytes
        }
        for (int i = 0; i < 1000; i++) {
            dns.add("n" + i + ".loop.test. 60 A 127.1." + (i / 250) + "." + (i % 250 + 1));
        }
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
                                {matchName: alias.test}, {matchName: v6.test}, {matchPattern: "*.loop.test"}, {matchName: short.test},
                                {matchName: big.test}, {matchName: huge.test}, {matchName: protected.test}]
                      toPorts: [{port: %d}]
                %s""".formatted(server.port(), extra));
        return p;
    }

    /** A shell line run with an /etc/resolv.conf that names a resolver (redirected to the proxy). */
    private List<String> run(Path policy, List<String> egretArgs, String shell) throws Exception {
        return run(policy, egretArgs, "nameserver 127.0.0.153", shell);
    }

    private List<String> run(Path policy, List<String> egretArgs, String nameserver, String shell) throws Exception {
        Path resolv = tmp.resolve("resolv-" + System.nanoTime() + ".conf");
        Files.writeString(resolv, nameserver + "\noptions timeout:2 attempts:1\n");
        List<String> args = new ArrayList<>(List.of("--policy", policy.toString(), "--dns-upstream", dns.upstream()));
        args.addAll(egretArgs);
        args.addAll(List.of("--", "sh", "-c", shell));
        EgretRunner.Result r = egret.runWithResolvConf(resolv, args);
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
                "; EDE: 15 (Blocked): (blocked by egret policy deploy (default-deny): no egress rule allows the name denied.test)",
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

    @Test
    void truncatedAnswersAreRetriedOverTcpAndLargeEdnsAnswersPassOverUdp() throws Exception {
        List<String> out = run(policy(""), List.of(), String.join("; ",
                py("all big.test"),
                "dig +noedns @192.0.2.53 big.test | grep -oE 'Truncated, retrying in TCP mode|ANSWER: [0-9]+'",
                "dig +bufsize=4096 +ignore @192.0.2.53 huge.test | grep -oE 'Truncated|flags: [a-z ]+;|ANSWER: [0-9]+|MSG SIZE  rcvd: [0-9]+'",
                py("all huge.test")));
        assertEquals("big.test addresses 40 connected 40", out.get(0), "glibc (no EDNS) retried over TCP: " + lastStderr);
        assertEquals(List.of("Truncated, retrying in TCP mode", "ANSWER: 40"), out.subList(1, 3), "dig: " + out);
        assertEquals("flags: qr aa rd;", out.get(3), "no TC over UDP with a 4096-byte buffer: " + out);
        assertEquals("ANSWER: 150", out.get(4));
        assertTrue(Integer.parseInt(out.get(5).replaceAll("\\D", "")) > 2048, out.get(5));
        assertEquals("huge.test addresses 150 connected 150", out.get(6), "every address of the large answer learned");
        assertTrue(dns.truncated.get() >= 2 && dns.tcpQueries.get() >= 2, "truncated " + dns.truncated + ", tcp " + dns.tcpQueries);
    }

    private static final String MUSL_STYLE = """
            import socket, struct
            def query(qid, name, qtype):
                labels = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\\0"
                return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels + struct.pack(">HH", qtype, 1)
            def ask(fam, server, questions):
                # like musl: one unconnected socket, every question sent before any answer is read
                s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(3)
                for qid, name, qtype in questions:
                    s.sendto(query(qid, name, qtype), (server, 53))
                got = []
                for _ in questions:
                    data, addr = s.recvfrom(4096)
                    qid, flags, qd, an = struct.unpack(">HHHH", data[:8])
                    got.append((qid, "%s %d id=%d rcode=%d answers=%d" % (addr[0], addr[1], qid, flags & 15, an)))
                for _, line in sorted(got):
                    print(line)
            ask(socket.AF_INET, "192.0.2.53", [(1, "allowed.test", 1), (2, "allowed.test", 28)])
            ask(socket.AF_INET6, "2001:db8::53", [(3, "allowed.test", 1), (4, "v6.test", 28)])
            """;

    @Test
    void muslStyleAndIpv6ResolversAreAnsweredInTheNameOfTheResolverAsked() throws Exception {
        Files.writeString(tmp.resolve("musl.py"), MUSL_STYLE);
        List<String> out = run(policy(""), List.of(), "nameserver 2001:db8::53", String.join("; ",
                "python3 " + tmp.resolve("musl.py"),
                py("allowed.test v6.test denied.test")));
        assertEquals(List.of(
                "192.0.2.53 53 id=1 rcode=0 answers=1",
                "192.0.2.53 53 id=2 rcode=0 answers=0",
                "2001:db8::53 53 id=3 rcode=0 answers=1",
                "2001:db8::53 53 id=4 rcode=0 answers=1",
                "allowed.test ok 127.0.0.1",
                "v6.test ok ::1",
                "denied.test dns-fail"), out, lastStderr);
    }

    @Test
    void protectedNamesAreDeniedAtDnsWithNxdomainAndTheRuleInTheEvent() throws Exception {
        Path audit = tmp.resolve("audit.jsonl");
        List<String> out = run(policy("  protects: [protected.test]\n  dns: {deniedResponse: nxdomain}\n"),
                List.of("--audit-log", audit.toString()), String.join("; ",
                        "dig @192.0.2.53 protected.test | grep -E 'status|EDE' | sed 's/.*status: \\([A-Z]*\\).*/status \\1/'",
                        py("protected.test allowed.test")));
        assertEquals(List.of(
                "status NXDOMAIN",
                "; EDE: 15 (Blocked): (blocked by egret policy deploy (spec.protects[0]): circular dependency: protected.test is protected by this workload ('protected.test'))",
                "protected.test dns-fail",
                "allowed.test ok 127.0.0.1"), out, lastStderr);
        assertFalse(dns.asked.contains("protected.test"), "a denied name never reaches the resolver");
        List<String> lines = Files.readAllLines(audit);
        String event = lines.stream().filter(l -> l.contains("\"type\":\"dns\"") && l.contains("\"name\":\"protected.test\"")
                && l.contains("\"command\":\"dig\"")).findFirst().orElseThrow(() -> new AssertionError(lines.toString()));
        assertTrue(event.contains("\"verdict\":\"deny\"") && event.contains("\"rule\":\"spec.protects[0]\"")
                && event.contains("\"protocol\":\"udp\"") && event.contains("\"policy\":\"deploy\"")
                && event.contains("\"queryType\":\"A\""), event);
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"name\":\"allowed.test\"") && l.contains("\"command\":\"python3\"")
                && l.contains("\"verdict\":\"allow\"") && l.contains("\"learnedAddresses\":1")), lines.toString());
        assertTrue(lastStderr.lines().anyMatch(l -> l.contains("deny") && l.contains("protected.test (A)")
                && l.contains("circular dependency")), lastStderr);
    }
}
