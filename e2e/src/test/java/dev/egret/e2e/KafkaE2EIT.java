package dev.egret.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.egret.node.cgroup.CgroupLimits;
import dev.egret.node.cgroup.WorkloadCgroup;
import dev.egret.node.testkit.InCgroup;
import dev.egret.node.testkit.Servers;
import dev.egret.node.testkit.TestCgroups;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The cluster transport end to end: the node agent delivers its journal to a real in-process KRaft broker (Kafka
 * 4.1, loopback), the controller consumes the topic through the SmallRye Kafka connector, and a denied connect on
 * the node shows up in the controller's audit, once.
 */
class KafkaE2EIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "kafka-admin-token-0123456789";
    private static final String NODE = "kafka-node-token-0123456789";

    @TempDir
    Path tmp;

    @Test
    void deniedConnectsTravelOverKafka() throws Exception {
        List<Process> procs = new ArrayList<>();
        List<WorkloadCgroup> cgroups = new ArrayList<>();
        try (TestCgroups env = new TestCgroups(); Servers server = new Servers("0.0.0.0");
             EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker().withKafkaHost("127.0.0.1").start();
             AutoCloseable cleanup = () -> {
                 for (Process proc : procs) {
                     proc.destroyForcibly().waitFor();
                 }
                 for (WorkloadCgroup c : cgroups) {
                     c.close();
                 }
             }) {
            String servers = broker.getAdvertisedListeners();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
                admin.createTopics(List.of(new NewTopic("egret.audit", 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            Files.createDirectories(env.mounts.v2Root().resolve(env.parent));
            Files.writeString(tmp.resolve("tokens"), ADMIN + " admin e2e\n" + NODE + " node kafka-node\n");
            Files.writeString(tmp.resolve("node.token"), NODE + "\n");
            int cport = Apps.freePort();
            int nport = Apps.freePort();
            procs.add(Apps.controller(cport, tmp.resolve("controller-data"), tmp.resolve("tokens"), tmp.resolve("controller.log"),
                    "-Degret.events.transport=kafka", "-Degret.events.kafka.bootstrap-servers=" + servers));
            Apps.await(() -> Apps.get(cport, "/q/health/ready", null).statusCode() == 200, Duration.ofSeconds(60),
                    () -> "controller ready:\n" + Apps.tail(tmp.resolve("controller.log")));
            Files.createDirectories(tmp.resolve("policies"));
            Files.writeString(tmp.resolve("policies/deploy.yaml"), """
                    apiVersion: egret.dev/v1
                    kind: EgressPolicy
                    metadata: {name: deploy}
                    spec:
                      workloads: {cgroupPaths: ["%s/deploy-*"]}
                      egress: [{toCIDR: [127.0.0.1/32], toPorts: [{port: %d}]}]
                    """.formatted(env.parent, server.port()));
            procs.add(Apps.node(List.of("-Degret.node.http-port=" + nport, "-Degret.node.name=kafka-node",
                    "-Degret.node.state-dir=" + tmp.resolve("node-state"), "-Degret.node.policy-dir=" + tmp.resolve("policies"),
                    "-Degret.node.pin-dir=" + env.pinDir.resolve("node"),
                    "-Degret.node.attach-cgroup=" + env.mounts.v2Root().resolve(env.parent),
                    "-Degret.node.reconcile-interval=200ms", "-Degret.node.dns-upstreams=127.0.0.1:1",
                    "-Degret.node.controller-url=http://127.0.0.1:" + cport, "-Degret.node.token-file=" + tmp.resolve("node.token"),
                    "-Degret.events.transport=kafka", "-Dkafka.bootstrap.servers=" + servers), tmp.resolve("node.log")));
            Apps.await(() -> Apps.get(nport, "/q/health/ready", null).statusCode() == 200, Duration.ofSeconds(60),
                    () -> "node ready:\n" + Apps.tail(tmp.resolve("node.log")));

            WorkloadCgroup cg = env.workload("deploy-1", CgroupLimits.NONE);
            cgroups.add(cg);
            String p = Integer.toString(server.port());
            Apps.await(() -> InCgroup.probe(cg, false, "tcp", "127.0.0.1", p, "tcp", "127.0.0.2", p)
                    .equals(List.of("ok", "EPERM")), Duration.ofSeconds(30), "policed");
            String workload = env.parent + "/deploy-1";
            Apps.await(() -> denied(cport, workload) == 1, Duration.ofSeconds(60),
                    "the denied connect in the controller's audit, through Kafka");
            Thread.sleep(2000);
            assertEquals(1, denied(cport, workload), "once");
            String metrics = Apps.get(nport, "/q/metrics", null).body();
            assertEquals(true, metrics.lines().anyMatch(l -> l.startsWith("egret_audit_delivered_total") && !l.endsWith(" 0.0")),
                    "the node counts what Kafka acknowledged");
        }
    }

    private static long denied(int cport, String workload) throws Exception {
        HttpResponse<String> r = Apps.get(cport, "/api/v1/audit?workload=" + workload + "&verdict=deny", ADMIN);
        long n = 0;
        for (JsonNode e : JSON.readTree(r.body()).path("items")) {
            n += e.path("count").asLong(1);
        }
        return n;
    }
}
