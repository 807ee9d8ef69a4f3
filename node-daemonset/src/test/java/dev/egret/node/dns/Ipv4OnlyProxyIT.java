package dev.egret.node.dns;

import dev.egret.node.datapath.DnsClient;
import dev.egret.node.datapath.LearnedIp;
import dev.egret.node.testkit.TestDnsServer;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The proxy on a host without IPv6: a JVM in a network namespace of its own with IPv6 disabled (no {@code ::1})
 * starts it and asks it over UDP and TCP on 127.0.0.1. Needs root and {@code unshare}.
 */
class Ipv4OnlyProxyIT {
    @Test
    void withoutIpv6TheProxyStartsOnIpv4AndAnswers() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")) && "root".equals(System.getProperty("user.name")),
                "needs root and unshare");
        String java = ProcessHandle.current().info().command().orElse("java");
        String script = "ip link set lo up && sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=1"
                + " && exec \"$0\" -cp \"$1\" " + Ipv4OnlyProxyIT.class.getName();
        Process p = new ProcessBuilder("unshare", "-n", "sh", "-c", script, java, System.getProperty("java.class.path"))
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("udp 127.0.0.1 tcp 127.0.0.1"), out);
        assertTrue(out.contains("IPv6 is unavailable on this host"), "said so: " + out);
    }

    /** In the namespace without IPv6: starts the proxy, asks it once over UDP and once over TCP, prints the answers. */
    public static void main(String[] args) throws Exception {
        Vertx vertx = Vertx.vertx();
        try (TestDnsServer zone = new TestDnsServer(new InetSocketAddress("127.0.0.1", 0)).add("allowed.test. 60 A 127.0.0.1")) {
            EgressPolicy policy = PolicyCodec.parseYaml("""
                    apiVersion: egret.dev/v1
                    kind: EgressPolicy
                    metadata: {name: p}
                    spec:
                      egress: [{toFQDNs: [{matchName: allowed.test}], toPorts: [{port: 443}]}]
                    """);
            DnsDatapath kernel = new DnsDatapath() {
                @Override
                public Optional<DnsClient> client(int family, int protocol, InetAddress client, int clientPort) {
                    return Optional.of(new DnsClient(1, 1, "test", client, 53));
                }

                @Override
                public Optional<LearnedIp> learned(long cgroupId, InetAddress address) {
                    return Optional.empty();
                }

                @Override
                public void learn(LearnedIp ip) {
                }
            };
            DnsProxy proxy = new DnsProxy(vertx, kernel, id -> Optional.of(new WorkloadPolicies.Bound("wl", policy)),
                    new DnsProxyConfig(List.of(DnsProxyConfig.parseUpstream(zone.upstream())), Duration.ofSeconds(2),
                            Duration.ZERO, Duration.ofSeconds(2)), e -> { }, Executors.newSingleThreadExecutor(), DnsMetrics.NONE);
            int port = proxy.start();
            byte[] q = Message.newQuery(Record.newRecord(Name.fromString("allowed.test."), Type.A, DClass.IN)).toWire();
            String udp;
            try (DatagramSocket s = new DatagramSocket()) {
                s.setSoTimeout(5000);
                s.send(new DatagramPacket(q, q.length, InetAddress.getByName("127.0.0.1"), port));
                byte[] buf = new byte[4096];
                DatagramPacket r = new DatagramPacket(buf, buf.length);
                s.receive(r);
                udp = ((ARecord) new Message(Arrays.copyOf(buf, r.getLength())).getSection(1).getFirst()).getAddress().getHostAddress();
            }
            String tcp;
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(5000);
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeShort(q.length);
                out.write(q);
                DataInputStream in = new DataInputStream(s.getInputStream());
                byte[] a = new byte[in.readUnsignedShort()];
                in.readFully(a);
                tcp = ((ARecord) new Message(a).getSection(1).getFirst()).getAddress().getHostAddress();
            }
            System.out.println("udp " + udp + " tcp " + tcp);
            proxy.close();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        System.exit(0);
    }
}
