package dev.egret.node.optional;

import dev.egret.node.audit.AuditTransport;
import dev.egret.node.pods.PodSource;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged agent: the Kafka and Kubernetes clients are off its class path and load only through their loader. */
class OptionalLibrariesIT {
    private static final Path JAR = Path.of("target/egret-node.jar").toAbsolutePath();
    private static final Path LIB = JAR.resolveSibling("lib");

    private static List<String> classPath() throws Exception {
        try (JarFile j = new JarFile(JAR.toFile())) {
            return Arrays.asList(j.getManifest().getMainAttributes().getValue("Class-Path").split(" "));
        }
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).sorted().toList();
        }
    }

    @Test
    void theClientsOfOneModeAreBesideTheJarNotOnItsClassPath() throws Exception {
        List<String> cp = classPath();
        assertTrue(cp.stream().noneMatch(e -> e.contains("kafka") || e.contains("kubernetes")), cp.toString());
        for (String e : cp) {
            assertTrue(Files.isRegularFile(JAR.resolveSibling(e)), "on the class path but not packaged: " + e);
        }
        List<String> optional = names(LIB.resolve("optional"));
        assertTrue(optional.stream().anyMatch(n -> n.startsWith("kafka-clients-")), optional.toString());
        assertTrue(optional.stream().anyMatch(n -> n.startsWith("kubernetes-client-")), optional.toString());
        List<String> core = names(LIB);
        assertTrue(optional.stream().noneMatch(core::contains), "packaged twice: " + optional.stream().filter(core::contains).toList());
        assertTrue(core.stream().anyMatch(n -> n.startsWith("snakeyaml-")), "what the agent itself uses stays: " + core);
        assertTrue(core.stream().noneMatch(n -> n.startsWith("jackson-databind-")),
                "the agent's own JSON needs no object mapper; the Kubernetes client brings its own: " + core);
        assertTrue(optional.stream().anyMatch(n -> n.startsWith("jackson-databind-")), optional.toString());
    }

    @Test
    void theAdaptersLoadWithTheirLibrariesAndImplementTheAgentsInterfaces() throws Exception {
        try (URLClassLoader agent = new URLClassLoader(new URL[]{JAR.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            assertThrows(ClassNotFoundException.class, () -> agent.loadClass("org.apache.kafka.clients.producer.KafkaProducer"));
            assertThrows(ClassNotFoundException.class, () -> agent.loadClass("io.fabric8.kubernetes.client.KubernetesClient"));
            ClassLoader optional = OptionalLibraries.loaderFor(LIB.resolve("optional"), agent);
            assertNotSame(agent, optional);

            Class<?> kafka = Class.forName("dev.egret.node.audit.kafka.KafkaAuditTransport", true, optional);
            assertSame(optional, kafka.getClassLoader(), "defined beside the Kafka client, not by the agent's loader");
            assertTrue(agent.loadClass(AuditTransport.class.getName()).isAssignableFrom(kafka),
                    "implements the agent's own AuditTransport");
            assertSame(agent.loadClass(AuditTransport.class.getName()),
                    kafka.getMethod("create", java.util.Map.class, String.class, java.time.Duration.class).getReturnType(),
                    "the factory OptionalLibraries calls");

            Class<?> pods = Class.forName("dev.egret.node.pods.kube.PodWatcher", true, optional);
            assertSame(optional, pods.getClassLoader());
            assertTrue(agent.loadClass(PodSource.class.getName()).isAssignableFrom(pods));
            Class<?> client = Class.forName("io.fabric8.kubernetes.client.KubernetesClient", false, optional);
            assertSame(optional, client.getClassLoader());
            assertSame(agent.loadClass("com.fasterxml.jackson.core.JsonFactory"),
                    optional.loadClass("com.fasterxml.jackson.core.JsonFactory"), "shared libraries come from the agent");
            assertThrows(ClassNotFoundException.class, () -> agent.loadClass("com.fasterxml.jackson.databind.ObjectMapper"),
                    "the agent reads its JSON and YAML without Jackson's object mapper");
            assertSame(optional, optional.loadClass("com.fasterxml.jackson.databind.ObjectMapper").getClassLoader(),
                    "the Kubernetes client's mapper comes with it");
        }
    }

    @Test
    void withoutTheDirectoryEverythingComesFromTheClassPath() {
        ClassLoader here = getClass().getClassLoader();
        assertSame(here, OptionalLibraries.loaderFor(null, here));
        assertSame(here, OptionalLibraries.loaderFor(Path.of("target/no-such-dir"), here));
        assertEquals(null, OptionalLibraries.directory(OptionalLibrariesIT.class), "test classes are not in a jar");
        assertFalse(OptionalLibraries.ADAPTERS.isEmpty());
    }
}
