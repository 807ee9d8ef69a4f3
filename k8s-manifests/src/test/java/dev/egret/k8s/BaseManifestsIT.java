package dev.egret.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kubectl kustomize k8s-manifests/}: what a cluster admin would apply. */
class BaseManifestsIT {
    static Manifests base;

    @BeforeAll
    static void render() {
        base = Kustomize.render(".");
    }

    static DaemonSet nodeDaemonSet(Manifests m) {
        return m.one(DaemonSet.class, "egret-node");
    }

    static Deployment controller(Manifests m) {
        return m.one(Deployment.class, "egret-controller");
    }

    @Test
    void rendersEveryPartOfEgret() {
        assertEquals(new TreeSet<>(List.of("Namespace/egret-system",
                "CustomResourceDefinition/egresspolicies.egret.dev",
                "ServiceAccount/egret-controller", "ServiceAccount/egret-node",
                "ClusterRole/egret-controller", "ClusterRole/egret-node",
                "ClusterRoleBinding/egret-controller", "ClusterRoleBinding/egret-node",
                "ResourceQuota/egret-critical-pods",
                "ConfigMap/egret-controller-config", "ConfigMap/egret-node-config", "ConfigMap/egret-grafana-dashboard",
                "Deployment/egret-controller", "Service/egret-controller", "PodDisruptionBudget/egret-controller",
                "DaemonSet/egret-node", "PodMonitor/egret-node", "ServiceMonitor/egret-controller",
                "PrometheusRule/egret")), base.normalized().keySet());
    }

    @Test
    void namespacedObjectsLiveInEgretSystem() {
        Set<String> clusterScoped = Set.of("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding");
        for (HasMetadata o : base.items()) {
            if (clusterScoped.contains(o.getKind())) {
                assertNull(o.getMetadata().getNamespace(), Manifests.key(o));
            } else {
                assertEquals("egret-system", o.getMetadata().getNamespace(), Manifests.key(o));
            }
            assertEquals("egret", o.getMetadata().getLabels().get("app.kubernetes.io/part-of"), Manifests.key(o));
        }
        assertEquals("privileged", base.one(Namespace.class, "egret-system").getMetadata().getLabels()
                .get("pod-security.kubernetes.io/enforce"), "the node agent needs host paths and capabilities");
    }

    @Test
    void theCrdIsTheOneInTheSourceTree() {
        base.one(CustomResourceDefinition.class, "egresspolicies.egret.dev");
        JsonNode rendered = base.raw().stream().filter(o -> o.path("kind").asText().equals("CustomResourceDefinition"))
                .findFirst().orElseThrow();
        assertEquals(Yamls.read(Repo.read(Repo.crd())).get("spec"), rendered.get("spec"), "anchors expanded, nothing changed");
    }

    @Test
    void theNodeAgentIsNotPrivilegedAndHasExactlyItsCapabilities() {
        PodSpec pod = nodeDaemonSet(base).getSpec().getTemplate().getSpec();
        assertEquals(1, pod.getContainers().size());
        assertTrue(pod.getInitContainers() == null || pod.getInitContainers().isEmpty());
        SecurityContext sc = pod.getContainers().getFirst().getSecurityContext();
        assertEquals(Boolean.FALSE, sc.getPrivileged());
        Capabilities caps = sc.getCapabilities();
        assertEquals(List.of("ALL"), caps.getDrop());
        assertEquals(Set.of("BPF", "NET_ADMIN", "SYS_ADMIN", "SYS_RESOURCE"), Set.copyOf(caps.getAdd()));
        assertEquals(4, caps.getAdd().size());
        assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem());
        assertEquals(0L, sc.getRunAsUser(), "capabilities are only effective for root in Kubernetes");
        // the API server refuses allowPrivilegeEscalation=false together with CAP_SYS_ADMIN
        assertNotEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation());
        assertEquals("RuntimeDefault", sc.getSeccompProfile().getType());
    }

    @Test
    void theNodeAgentSharesTheHostNetworkOnly() {
        PodSpec pod = nodeDaemonSet(base).getSpec().getTemplate().getSpec();
        assertEquals(Boolean.TRUE, pod.getHostNetwork());
        assertNotEquals(Boolean.TRUE, pod.getHostPID());
        assertNotEquals(Boolean.TRUE, pod.getHostIPC());
        assertEquals("ClusterFirstWithHostNet", pod.getDnsPolicy(), "a host-network pod resolving cluster names");
        ContainerPort metrics = pod.getContainers().getFirst().getPorts().getFirst();
        assertEquals(9190, metrics.getContainerPort());
        assertEquals("metrics", metrics.getName());
    }

    @Test
    void theNodeAgentMountsTheHostCgroupHierarchyAndBpffs() {
        PodSpec pod = nodeDaemonSet(base).getSpec().getTemplate().getSpec();
        Map<String, VolumeMount> mounts = mountsByPath(pod.getContainers().getFirst());
        Map<String, Volume> volumes = volumesByName(pod);

        VolumeMount cgroup = mounts.get("/sys/fs/cgroup");
        assertEquals("/sys/fs/cgroup", volumes.get(cgroup.getName()).getHostPath().getPath());
        assertEquals("Directory", volumes.get(cgroup.getName()).getHostPath().getType());
        assertNotEquals(Boolean.TRUE, cgroup.getReadOnly(), "limits are written to workload cgroups");

        VolumeMount bpf = mounts.get("/sys/fs/bpf");
        assertEquals("/sys/fs/bpf", volumes.get(bpf.getName()).getHostPath().getPath());
        assertEquals("HostToContainer", bpf.getMountPropagation(),
                "Bidirectional is only allowed for privileged containers");

        for (VolumeMount m : mounts.values()) {
            assertNotEquals("Bidirectional", m.getMountPropagation(), m.getMountPath());
            Volume v = volumes.get(m.getName());
            if (v.getHostPath() != null) {
                assertTrue(Set.of("/sys/fs/cgroup", "/sys/fs/bpf", "/var/lib/egret").contains(v.getHostPath().getPath()),
                        "unexpected host path " + v.getHostPath().getPath());
            }
        }
        assertEquals(3, volumes.values().stream().filter(v -> v.getHostPath() != null).count());
    }

    @Test
    void theNodeAgentIsCriticalEverywhereAndRollsOneNodeAtATime() {
        DaemonSet ds = nodeDaemonSet(base);
        PodSpec pod = ds.getSpec().getTemplate().getSpec();
        assertEquals("system-node-critical", pod.getPriorityClassName());
        List<Toleration> tolerations = pod.getTolerations();
        assertEquals(1, tolerations.size());
        assertEquals("Exists", tolerations.getFirst().getOperator());
        assertNull(tolerations.getFirst().getKey(), "tolerates every taint");
        assertNull(tolerations.getFirst().getEffect(), "tolerates every effect");
        assertEquals("RollingUpdate", ds.getSpec().getUpdateStrategy().getType());
        assertEquals(1, ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());
        assertEquals("egret-node", pod.getServiceAccountName());
        assertEquals(Map.of("kubernetes.io/os", "linux"), pod.getNodeSelector());
    }

    @Test
    void theNodeAgentIsProbedOnItsHealthEndpoints() {
        Container c = nodeDaemonSet(base).getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertProbe(c.getReadinessProbe(), "/q/health/ready", 9190);
        assertProbe(c.getLivenessProbe(), "/q/health/live", 9190);
    }

    @Test
    void theNodeAgentFitsItsMemoryTarget() {
        Container c = nodeDaemonSet(base).getSpec().getTemplate().getSpec().getContainers().getFirst();
        Map<String, Quantity> requests = c.getResources().getRequests();
        Map<String, Quantity> limits = c.getResources().getLimits();
        assertTrue(requests.containsKey("cpu") && limits.containsKey("cpu"));
        long requested = Quantity.getAmountInBytes(requests.get("memory")).longValueExact();
        long limit = Quantity.getAmountInBytes(limits.get("memory")).longValueExact();
        assertTrue(requested <= 128L << 20, "request at most the 128 MiB RSS target: " + requests.get("memory"));
        assertTrue(limit >= requested && limit <= 512L << 20, "limit " + limits.get("memory"));
        String javaOpts = env(c, "JDK_JAVA_OPTIONS");
        assertTrue(javaOpts.contains("--enable-native-access=ALL-UNNAMED"), "FFM needs native access: " + javaOpts);
        Matcher xmx = Pattern.compile("-Xmx([0-9]+)m").matcher(javaOpts);
        long heap;
        if (xmx.find()) {
            heap = Long.parseLong(xmx.group(1)) << 20;
            assertTrue(javaOpts.contains("-Xms" + xmx.group(1) + "m"), "a fixed heap is touched whole anyway: " + javaOpts);
        } else {
            double max = percentage(javaOpts, "MaxRAMPercentage");
            assertEquals(max, percentage(javaOpts, "MinRAMPercentage"), 0.0,
                    "below about 250 MiB the JVM takes MinRAMPercentage, so both are set: " + javaOpts);
            heap = (long) (limit * max / 100);
        }
        assertTrue(heap >= 24L << 20 && heap <= 96L << 20, "the heap stays small, and holds the live set: " + javaOpts);
        // a learned map larger than the heap can mirror would run the agent out of memory, then in a restart loop
        String mapSizes = base.generated("egret-node-config").getData().get("egret.node.map-sizes");
        assertNotNull(mapSizes, "the learned map is sized to the heap (egret.node.map-sizes)");
        Matcher learned = Pattern.compile("egret_learned=([0-9]+)").matcher(mapSizes);
        assertTrue(learned.find(), mapSizes);
        long entries = Long.parseLong(learned.group(1));
        assertTrue(entries >= 4096 && entries * 512 <= heap / 4,
                entries + " learned entries at about 0.5 KiB of heap each, within a quarter of the heap " + heap);
    }

    @Test
    void theNodeAgentKnowsItsNode() {
        Container c = nodeDaemonSet(base).getSpec().getTemplate().getSpec().getContainers().getFirst();
        EnvVar node = c.getEnv().stream().filter(e -> e.getName().equals("NODE_NAME")).findFirst().orElseThrow();
        assertEquals("spec.nodeName", node.getValueFrom().getFieldRef().getFieldPath());
        EnvVar podDns = c.getEnv().stream().filter(e -> e.getName().equals("egret.node.dns-pod-addresses")).findFirst()
                .orElseThrow(() -> new AssertionError("pods' DNS needs the node's IP"));
        assertEquals("status.hostIP", podDns.getValueFrom().getFieldRef().getFieldPath());
    }

    @Test
    void theNodeConfigPointsAtWhatThePodMounts() {
        PodSpec pod = nodeDaemonSet(base).getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().getFirst();
        ConfigMap config = base.generated("egret-node-config");
        assertEquals(config.getMetadata().getName(), c.getEnvFrom().getFirst().getConfigMapRef().getName());
        Map<String, String> props = config.getData();
        assertEquals("http", props.get("egret.events.transport"));
        assertEquals("on", props.get("egret.node.pods"), "pods of this node from the Kubernetes API");
        Map<String, VolumeMount> mounts = mountsByPath(c);
        assertTrue(mounts.containsKey(props.get("egret.node.state-dir")));
        assertTrue(props.get("egret.node.pin-dir").startsWith("/sys/fs/bpf/"));
        String token = props.get("egret.node.token-file");
        VolumeMount tokenMount = mounts.get(token.substring(0, token.lastIndexOf('/')));
        Volume secret = volumesByName(pod).get(tokenMount.getName());
        assertEquals("egret-tokens", secret.getSecret().getSecretName());
        assertEquals(token.substring(token.lastIndexOf('/') + 1), secret.getSecret().getItems().getFirst().getPath());
        // the controller URL names the controller's Service and port
        URI url = URI.create(props.get("egret.node.controller-url"));
        Service svc = base.one(Service.class, "egret-controller");
        assertEquals(svc.getMetadata().getName() + "." + svc.getMetadata().getNamespace() + ".svc", url.getHost());
        assertEquals(svc.getSpec().getPorts().getFirst().getPort(), url.getPort());
    }

    @Test
    void theControllerRunsUnprivileged() {
        Deployment d = controller(base);
        assertEquals(1, d.getSpec().getReplicas(), "one replica while audit events come over HTTP");
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        assertEquals("egret-controller", pod.getServiceAccountName());
        assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
        Container c = pod.getContainers().getFirst();
        assertEquals(Boolean.FALSE, c.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(Boolean.TRUE, c.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
        assertTrue(c.getSecurityContext().getCapabilities().getAdd() == null
                || c.getSecurityContext().getCapabilities().getAdd().isEmpty());
        assertNotEquals(Boolean.TRUE, pod.getHostNetwork());
        assertProbe(c.getReadinessProbe(), "/q/health/ready", "http");
        assertProbe(c.getLivenessProbe(), "/q/health/live", "http");
        assertNotEquals(null, pod.getAffinity().getPodAntiAffinity(), "replicas spread over nodes");
        assertEquals(1, base.one(PodDisruptionBudget.class, "egret-controller").getSpec().getMaxUnavailable().getIntVal(),
                "a drain may take one replica at a time, also when there is only one");
    }

    @Test
    void theControllerKeepsPoliciesInResources() {
        Container c = controller(base).getSpec().getTemplate().getSpec().getContainers().getFirst();
        ConfigMap config = base.generated("egret-controller-config");
        assertEquals(config.getMetadata().getName(), c.getEnvFrom().getFirst().getConfigMapRef().getName());
        Map<String, String> props = config.getData();
        assertEquals("kubernetes", props.get("egret.store"));
        assertEquals("http", props.get("egret.events.transport"));
        Map<String, VolumeMount> mounts = mountsByPath(c);
        String tokens = props.get("egret.tokens-file");
        assertTrue(mounts.containsKey(tokens.substring(0, tokens.lastIndexOf('/'))), tokens);
        assertTrue(mounts.containsKey(props.get("egret.data-dir")), props.get("egret.data-dir"));
    }

    @Test
    void theServiceReachesTheControllerPods() {
        Service svc = base.one(Service.class, "egret-controller");
        Deployment d = controller(base);
        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        assertTrue(podLabels.entrySet().containsAll(svc.getSpec().getSelector().entrySet()));
        String target = svc.getSpec().getPorts().getFirst().getTargetPort().getStrVal();
        assertTrue(d.getSpec().getTemplate().getSpec().getContainers().getFirst().getPorts().stream()
                .anyMatch(p -> p.getName().equals(target)));
    }

    @Test
    void everyReferenceResolvesButTheTokensSecret() {
        Set<String> external = new TreeSet<>();
        for (PodSpec pod : List.of(nodeDaemonSet(base).getSpec().getTemplate().getSpec(),
                controller(base).getSpec().getTemplate().getSpec())) {
            base.one(ServiceAccount.class, pod.getServiceAccountName());
            for (Volume v : pod.getVolumes()) {
                if (v.getSecret() != null) {
                    external.add("Secret/" + v.getSecret().getSecretName());
                }
                if (v.getConfigMap() != null) {
                    base.one(ConfigMap.class, v.getConfigMap().getName());
                }
            }
            for (Container c : pod.getContainers()) {
                c.getEnvFrom().forEach(e -> base.one(ConfigMap.class, e.getConfigMapRef().getName()));
                Set<String> mounted = new TreeSet<>();
                c.getVolumeMounts().forEach(m -> mounted.add(m.getName()));
                assertEquals(volumesByName(pod).keySet(), mounted, "every volume mounted, every mount a volume");
            }
        }
        assertEquals(Set.of("Secret/egret-tokens"), external, "the README tells how to create it");
    }

    @Test
    void rbacIsLeastPrivilege() {
        assertEquals(Map.of(
                        "egret.dev/egresspolicies", Set.of("get", "list", "watch", "create", "update", "patch", "delete"),
                        "egret.dev/egresspolicies/status", Set.of("get", "update", "patch")),
                grants(base.one(ClusterRole.class, "egret-controller")));
        assertEquals(Map.of(
                        "/pods", Set.of("get", "list", "watch"),
                        "/namespaces", Set.of("get", "list", "watch")),
                grants(base.one(ClusterRole.class, "egret-node")));
        for (String name : List.of("egret-controller", "egret-node")) {
            ClusterRoleBinding b = base.one(ClusterRoleBinding.class, name);
            assertEquals(name, b.getRoleRef().getName());
            assertEquals(1, b.getSubjects().size());
            assertEquals("ServiceAccount", b.getSubjects().getFirst().getKind());
            assertEquals(name, b.getSubjects().getFirst().getName());
            assertEquals("egret-system", b.getSubjects().getFirst().getNamespace());
        }
        assertFalse(base.items().stream().anyMatch(o -> o.getKind().equals("Role") || o.getKind().equals("RoleBinding")));
    }

    /** apiGroup/resource -> verbs; fails on wildcards and resource names. */
    private static Map<String, Set<String>> grants(ClusterRole role) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (PolicyRule r : role.getRules()) {
            assertTrue(r.getNonResourceURLs() == null || r.getNonResourceURLs().isEmpty());
            for (List<String> l : List.of(r.getApiGroups(), r.getResources(), r.getVerbs())) {
                assertFalse(l.contains("*"), "wildcard in " + role.getMetadata().getName() + ": " + r);
            }
            for (String g : r.getApiGroups()) {
                for (String res : r.getResources()) {
                    out.computeIfAbsent(g + "/" + res, k -> new TreeSet<>()).addAll(r.getVerbs());
                }
            }
        }
        return out;
    }

    @Test
    void monitorsScrapeTheAppsMetrics() {
        GenericKubernetesResource pm = base.generic("PodMonitor", "egret-node");
        Map<String, String> podLabels = nodeDaemonSet(base).getSpec().getTemplate().getMetadata().getLabels();
        JsonNode spec = Yamls.JSON.valueToTree(pm.getAdditionalProperties().get("spec"));
        spec.at("/selector/matchLabels").fields().forEachRemaining(e ->
                assertEquals(e.getValue().asText(), podLabels.get(e.getKey()), "PodMonitor selects the agent pods"));
        JsonNode endpoint = spec.at("/podMetricsEndpoints/0");
        assertEquals("metrics", endpoint.path("port").asText());
        assertEquals("/q/metrics", endpoint.path("path").asText());
        assertEquals("node", endpoint.at("/relabelings/0/targetLabel").asText(), "alerts name nodes by this label");
        assertEquals("__meta_kubernetes_pod_node_name", endpoint.at("/relabelings/0/sourceLabels/0").asText());

        GenericKubernetesResource sm = base.generic("ServiceMonitor", "egret-controller");
        JsonNode smSpec = Yamls.JSON.valueToTree(sm.getAdditionalProperties().get("spec"));
        Service svc = base.one(Service.class, "egret-controller");
        smSpec.at("/selector/matchLabels").fields().forEachRemaining(e ->
                assertEquals(e.getValue().asText(), svc.getMetadata().getLabels().get(e.getKey())));
        assertEquals(svc.getSpec().getPorts().getFirst().getName(), smSpec.at("/endpoints/0/port").asText());
        assertEquals("/q/metrics", smSpec.at("/endpoints/0/path").asText());
    }

    @Test
    void theRulesAndTheDashboardAreTheFilesOfPrometheusRules() {
        GenericKubernetesResource rule = base.generic("PrometheusRule", "egret");
        assertEquals(RuleFiles.rules(), Yamls.JSON.valueToTree(rule.getAdditionalProperties().get("spec")));
        ConfigMap dashboard = base.one(ConfigMap.class, "egret-grafana-dashboard");
        assertEquals("1", dashboard.getMetadata().getLabels().get("grafana_dashboard"));
        assertEquals(Repo.read(RuleFiles.dashboard()), dashboard.getData().get("egret.json"));
    }

    static void assertProbe(Probe p, String path, Object port) {
        assertEquals(path, p.getHttpGet().getPath());
        if (port instanceof Integer i) {
            assertEquals(i, p.getHttpGet().getPort().getIntVal());
        } else {
            assertEquals(port, p.getHttpGet().getPort().getStrVal());
        }
    }

    static Map<String, VolumeMount> mountsByPath(Container c) {
        Map<String, VolumeMount> out = new TreeMap<>();
        c.getVolumeMounts().forEach(m -> out.put(m.getMountPath(), m));
        return out;
    }

    static Map<String, Volume> volumesByName(PodSpec pod) {
        Map<String, Volume> out = new TreeMap<>();
        pod.getVolumes().forEach(v -> out.put(v.getName(), v));
        return out;
    }

    private static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow().getValue();
    }

    private static double percentage(String javaOpts, String flag) {
        Matcher m = Pattern.compile("-XX:" + flag + "=([0-9.]+)").matcher(javaOpts);
        assertTrue(m.find(), flag + " is set: " + javaOpts);
        return Double.parseDouble(m.group(1));
    }
}
