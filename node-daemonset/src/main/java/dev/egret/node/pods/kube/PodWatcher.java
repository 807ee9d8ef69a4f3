package dev.egret.node.pods.kube;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import dev.egret.node.pods.PodInfo;
import dev.egret.node.pods.PodSource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Watches the pods of one node (field selector {@code spec.nodeName}) and every namespace's labels through the
 * Kubernetes API, and says when either changed. Finished pods (Succeeded, Failed) are left out.
 */
public final class PodWatcher implements PodSource {
    private static final Set<String> FINISHED = Set.of("Succeeded", "Failed");

    private final KubernetesClient client;
    /** Whether {@link #close()} closes the client too (it made it). */
    private final boolean ownsClient;
    private final String nodeName;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<Namespace> namespaces;
    private final CompletionStage<Void> podsStarted;
    private final CompletionStage<Void> namespacesStarted;

    public PodWatcher(KubernetesClient client, String nodeName, Runnable onChange) {
        this(client, nodeName, true, onChange);
    }

    /**
     * @param serverSideSelector ask the API server for this node's pods only (a real API server always can; the
     *                           in-memory mock server cannot, and then the node filter here does the work)
     */
    public PodWatcher(KubernetesClient client, String nodeName, boolean serverSideSelector, Runnable onChange) {
        this(client, false, nodeName, serverSideSelector, onChange);
    }

    private PodWatcher(KubernetesClient client, boolean ownsClient, String nodeName, boolean serverSideSelector,
                       Runnable onChange) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.nodeName = nodeName;
        ResourceEventHandler<Object> changed = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Object o) {
                onChange.run();
            }

            @Override
            public void onUpdate(Object before, Object after) {
                onChange.run();
            }

            @Override
            public void onDelete(Object o, boolean unknownFinalState) {
                onChange.run();
            }
        };
        var allPods = client.pods().inAnyNamespace();
        pods = (serverSideSelector ? allPods.withField("spec.nodeName", nodeName) : allPods).runnableInformer(0);
        pods.addEventHandler(cast(changed));
        namespaces = client.namespaces().runnableInformer(0);
        namespaces.addEventHandler(cast(changed));
        podsStarted = pods.start();
        namespacesStarted = namespaces.start();
    }

    /**
     * Watches with a client configured as a pod's is (service account, {@code KUBERNETES_*}, kubeconfig), which it
     * closes with itself. The client looks up its HTTP implementation and model classes through the thread's context
     * class loader: it is set to this class's loader (the optional libraries', in the packaged agent) while the client
     * and its threads are made.
     */
    public static PodSource connect(String nodeName, boolean serverSideSelector, Runnable onChange) {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(PodWatcher.class.getClassLoader());
        try {
            KubernetesClient client = new KubernetesClientBuilder().build();
            try {
                return new PodWatcher(client, true, nodeName, serverSideSelector, onChange);
            } catch (RuntimeException e) {
                client.close();
                throw e;
            }
        } finally {
            t.setContextClassLoader(before);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> ResourceEventHandler<T> cast(ResourceEventHandler<Object> h) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) h;
    }

    @Override
    public boolean synced() {
        return pods.hasSynced() && namespaces.hasSynced();
    }

    @Override
    public boolean awaitSynced(long timeout, TimeUnit unit) {
        try {
            podsStarted.toCompletableFuture().get(timeout, unit);
            namespacesStarted.toCompletableFuture().get(timeout, unit);
            return pods.hasSynced() && namespaces.hasSynced();
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public List<PodInfo> pods() {
        return pods.getStore().list().stream()
                .filter(p -> p.getSpec() != null && nodeName.equals(p.getSpec().getNodeName()))
                .filter(p -> p.getStatus() == null || !FINISHED.contains(p.getStatus().getPhase()))
                .map(p -> new PodInfo(p.getMetadata().getNamespace(), p.getMetadata().getName(), p.getMetadata().getUid(),
                        p.getMetadata().getLabels()))
                .toList();
    }

    @Override
    public Map<String, Map<String, String>> namespaceLabels() {
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (Namespace n : namespaces.getStore().list()) {
            Map<String, String> labels = n.getMetadata().getLabels();
            out.put(n.getMetadata().getName(), labels == null ? Map.of() : labels);
        }
        return out;
    }

    @Override
    public String origin() {
        return String.valueOf(client.getMasterUrl());
    }

    @Override
    public void close() {
        pods.close();
        namespaces.close();
        if (ownsClient) {
            client.close();
        }
    }
}
