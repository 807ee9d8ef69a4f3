package dev.egret.controller.store;

import dev.egret.controller.JacksonTrees;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.PolicyCodec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cluster store: policies are {@code EgressPolicy} custom resources ({@code egresspolicies.egret.dev/v1},
 * cluster-scoped), so the REST API and {@code kubectl apply} see the same objects and several controller replicas
 * serve at once. Reads come from an informer's cache; writes go to the API server with the object's
 * resourceVersion, so a concurrent change (another replica, kubectl) makes a conditional write fail with 412 rather
 * than be overwritten. Resource versions are the API server's (etcd revisions: one monotonic counter cluster-wide).
 *
 * <p>The change log is what this replica observed since it started (writes through any replica or kubectl), with
 * the REST caller as subject where an {@value #CHANGED_BY} annotation names one; the API server's audit log is the
 * durable record in a cluster.
 */
public final class KubernetesPolicyStore implements PolicyStore, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KubernetesPolicyStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String CHANGED_BY = "egret.dev/changed-by";
    public static final ResourceDefinitionContext EGRESS_POLICIES = new ResourceDefinitionContext.Builder()
            .withGroup("egret.dev").withVersion("v1").withKind("EgressPolicy").withPlural("egresspolicies")
            .withNamespaced(false).build();
    private static final int MAX_CHANGES = 10_000;

    private final KubernetesClient client;
    private final Clock clock;
    private final Runnable onChange;
    private final SharedIndexInformer<GenericKubernetesResource> informer;
    private final AtomicLong resourceVersion = new AtomicLong();
    private final Map<String, Long> lastSeen = new ConcurrentHashMap<>();
    private final Map<String, String> pendingDeletes = new ConcurrentHashMap<>();
    private final Deque<ChangeRecord> changes = new ArrayDeque<>();
    private volatile boolean synced;
    private final ExecutorService statusWriter = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("egret-policy-status").unstarted(r));

    /**
     * @param onChange called after every change the informer sees (wakes policy watchers for writes made elsewhere)
     */
    public KubernetesPolicyStore(KubernetesClient client, Clock clock, Runnable onChange) {
        this.client = client;
        this.clock = clock;
        this.onChange = onChange;
        this.informer = resources().runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource r) {
                observed(r, "create");
            }

            @Override
            public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
                if (version(before).equals(version(after))) {
                    return;
                }
                if (statusOnly(before, after)) {
                    statusObserved(after);
                } else {
                    observed(after, "update");
                }
            }

            @Override
            public void onDelete(GenericKubernetesResource r, boolean unknownFinalState) {
                observed(r, "delete");
            }
        });
        try {
            informer.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            informer.close();
            throw new IllegalStateException("cannot list EgressPolicy resources from " + client.getMasterUrl()
                    + " (is the CRD installed and may the controller list it?): " + e.getMessage(), e);
        }
        synced = true;
        LOG.infof("policy store: EgressPolicy resources at %s (%d policies, resourceVersion %d)", client.getMasterUrl(),
                informer.getStore().list().size(), resourceVersion.get());
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> resources() {
        return client.genericKubernetesResources(EGRESS_POLICIES);
    }

    private void observed(GenericKubernetesResource r, String action) {
        String name = r.getMetadata().getName();
        long rv = number(r);
        resourceVersion.accumulateAndGet(rv, Math::max);
        Long before = action.equals("delete") ? lastSeen.remove(name) : lastSeen.put(name, rv);
        if (synced) {
            String subject = action.equals("delete") ? pendingDeletes.remove(name) : annotation(r);
            synchronized (changes) {
                changes.addLast(new ChangeRecord(clock.instant(), subject == null ? "kubernetes" : subject,
                        action, name, before == null ? 0 : before, Math.max(rv, resourceVersion.get())));
                while (changes.size() > MAX_CHANGES) {
                    changes.removeFirst();
                }
            }
        }
        onChange.run();
        if (!action.equals("delete")) {
            try {
                statusWriter.execute(() -> reportValidity(name));
            } catch (RejectedExecutionException e) {
                // closing
            }
        }
    }

    /**
     * A status write moves the resource's version (the ETag the REST API serves) but changes no policy: the store's
     * version follows, with no change record and no new validity check.
     */
    private void statusObserved(GenericKubernetesResource r) {
        long rv = number(r);
        resourceVersion.accumulateAndGet(rv, Math::max);
        lastSeen.put(r.getMetadata().getName(), rv);
        onChange.run();
    }

    /** A write of the status subresource only: the spec and labels, what nodes and REST readers use, are the same. */
    private static boolean statusOnly(GenericKubernetesResource before, GenericKubernetesResource after) {
        return Objects.equals(before.getAdditionalProperties().get("spec"), after.getAdditionalProperties().get("spec"))
                && Objects.equals(before.getMetadata().getLabels(), after.getMetadata().getLabels())
                && !Objects.equals(before.getAdditionalProperties().get("status"), after.getAdditionalProperties().get("status"));
    }

    /**
     * Tells {@code kubectl get -o yaml} why a resource is ignored ({@link ValidityStatus}). A write that loses a race
     * (another replica, a newer spec) is dropped: the event of the newer version decides again.
     */
    private void reportValidity(String name) {
        GenericKubernetesResource r = informer.getStore().getByKey(name);
        if (r == null) {
            return;
        }
        String problem = parse(r).problem();
        if (ValidityStatus.needsWrite(r.getAdditionalProperties().get("status"), problem)) {
            if (problem != null) {
                LOG.warnf("EgressPolicy %s is not a valid policy and is ignored: %s", name, problem);
            }
            writeStatus(r, problem);
        }
    }

    /** Writes the validity status over {@code r}'s version; returns the stored resource, or {@code r} if refused. */
    private GenericKubernetesResource writeStatus(GenericKubernetesResource r, String problem) {
        GenericKubernetesResource copy = Serialization.clone(r);
        copy.setAdditionalProperty("status", ValidityStatus.status(problem, r.getMetadata().getGeneration(), clock.instant()));
        try {
            return resources().resource(copy).updateStatus();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409 && e.getCode() != 404) {
                LOG.warnf("cannot write the status of EgressPolicy %s: %s", r.getMetadata().getName(), e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.warnf("cannot write the status of EgressPolicy %s: %s", r.getMetadata().getName(), e.getMessage());
        }
        return r;
    }

    @Override
    public List<EgressPolicy> list() {
        Map<String, EgressPolicy> out = new TreeMap<>();
        for (GenericKubernetesResource r : informer.getStore().list()) {
            toPolicy(r).ifPresent(p -> out.put(p.name(), p));
        }
        return List.copyOf(out.values());
    }

    @Override
    public Optional<EgressPolicy> get(String name) {
        return Optional.ofNullable(informer.getStore().getByKey(name)).flatMap(KubernetesPolicyStore::toPolicy);
    }

    @Override
    public long resourceVersion() {
        return resourceVersion.get();
    }

    @Override
    public WriteResult put(EgressPolicy policy, Precondition expected, String subject) {
        String name = policy.name();
        for (int attempt = 0; ; attempt++) {
            GenericKubernetesResource current = resources().withName(name).get();
            long currentVersion = current == null ? 0 : number(current);
            if (expected != null && !expected.holdsFor(currentVersion)) {
                throw new PreconditionFailedException(name, currentVersion, expected);
            }
            GenericKubernetesResource desired = toResource(policy, subject, current);
            try {
                GenericKubernetesResource stored = current == null ? resources().resource(desired).create()
                        : resources().resource(desired).update();
                if (ValidityStatus.needsWrite(stored.getAdditionalProperties().get("status"), null)) {
                    // a write that fixes an invalid resource clears its error now, so the version returned is final
                    stored = writeStatus(stored, null);
                }
                long v = number(stored);
                resourceVersion.accumulateAndGet(v, Math::max);
                awaitCached(name, v);
                return new WriteResult(policy.withResourceVersion(Long.toString(v)), currentVersion, v, current == null);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw new IllegalStateException("the API server refused the write of policy " + name + ": "
                            + e.getMessage(), e);
                }
                if (expected != null && expected.version() != -1 || attempt >= 5) {
                    GenericKubernetesResource now = resources().withName(name).get();
                    throw new PreconditionFailedException(name, now == null ? 0 : number(now),
                            expected != null ? expected : Precondition.version(currentVersion));
                }
                // someone else wrote in between and the caller did not ask for a version: apply on top of theirs
            }
        }
    }

    @Override
    public Optional<WriteResult> delete(String name, Precondition expected, String subject) {
        GenericKubernetesResource current = resources().withName(name).get();
        long currentVersion = current == null ? 0 : number(current);
        if (expected != null && !expected.holdsFor(currentVersion)) {
            throw new PreconditionFailedException(name, currentVersion, expected);
        }
        if (current == null) {
            return Optional.empty();
        }
        pendingDeletes.put(name, subject);
        try {
            resources().withName(name).lockResourceVersion(version(current)).delete();
        } catch (KubernetesClientException e) {
            pendingDeletes.remove(name);
            if (e.getCode() == 409) {
                GenericKubernetesResource now = resources().withName(name).get();
                throw new PreconditionFailedException(name, now == null ? 0 : number(now),
                        expected != null ? expected : Precondition.version(currentVersion));
            }
            throw new IllegalStateException("the API server refused to delete policy " + name + ": " + e.getMessage(), e);
        }
        awaitGone(name);
        EgressPolicy old = toPolicy(current).orElseThrow();
        return Optional.of(new WriteResult(old, currentVersion, Math.max(resourceVersion.get(), currentVersion), false));
    }

    /** Waits briefly until the informer has the write, so a read right after it sees it (read your writes). */
    private void awaitCached(String name, long version) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            GenericKubernetesResource r = informer.getStore().getByKey(name);
            if (r != null && number(r) >= version) {
                return;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Waits briefly until the informer saw the delete, so the store's version reflects it for watchers. */
    private void awaitGone(String name) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (informer.getStore().getByKey(name) != null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public List<ChangeRecord> changes() {
        synchronized (changes) {
            return List.copyOf(changes);
        }
    }

    @Override
    public Optional<ChangeRecord> lastChange() {
        synchronized (changes) {
            return Optional.ofNullable(changes.peekLast());
        }
    }

    @Override
    public void close() {
        informer.close();
        statusWriter.shutdownNow();
    }

    /** A resource read as a policy: exactly one of the two is set. */
    private record Parsed(EgressPolicy policy, String problem) {
    }

    /** The policy a resource holds; empty (and logged) when it does not validate, e.g. written around the CRD schema. */
    static Optional<EgressPolicy> toPolicy(GenericKubernetesResource r) {
        Parsed p = parse(r);
        if (p.problem() != null) {
            LOG.debugf("EgressPolicy %s is not a valid policy and is ignored: %s", r.getMetadata().getName(), p.problem());
        }
        return Optional.ofNullable(p.policy());
    }

    private static Parsed parse(GenericKubernetesResource r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("apiVersion", r.getApiVersion());
        n.put("kind", r.getKind());
        ObjectNode meta = n.putObject("metadata");
        meta.put("name", r.getMetadata().getName());
        meta.put("resourceVersion", version(r));
        if (r.getMetadata().getLabels() != null && !r.getMetadata().getLabels().isEmpty()) {
            meta.set("labels", JSON.valueToTree(r.getMetadata().getLabels()));
        }
        Object spec = r.getAdditionalProperties().get("spec");
        n.set("spec", spec == null ? JSON.createObjectNode() : JSON.valueToTree(spec));
        try {
            return new Parsed(PolicyCodec.fromTree(JacksonTrees.value(n, "egresspolicies/" + r.getMetadata().getName()), "egresspolicies/" + r.getMetadata().getName() + ": "), null);
        } catch (RuntimeException e) {
            return new Parsed(null, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private static GenericKubernetesResource toResource(EgressPolicy p, String subject, GenericKubernetesResource current) {
        ObjectNode tree = JacksonTrees.policy(p.withResourceVersion(null));
        GenericKubernetesResource r = new GenericKubernetesResource();
        r.setApiVersion("egret.dev/v1");
        r.setKind("EgressPolicy");
        ObjectMeta meta = new ObjectMeta();
        meta.setName(p.name());
        if (!p.metadata().labels().isEmpty()) {
            meta.setLabels(new HashMap<>(p.metadata().labels()));
        }
        Map<String, String> annotations = new HashMap<>();
        if (current != null) {
            meta.setResourceVersion(version(current));
            if (current.getMetadata().getAnnotations() != null) {
                annotations.putAll(current.getMetadata().getAnnotations());
            }
        }
        annotations.put(CHANGED_BY, subject);
        meta.setAnnotations(annotations);
        r.setMetadata(meta);
        r.setAdditionalProperty("spec", JSON.convertValue(tree.get("spec"), Map.class));
        if (current != null && current.getAdditionalProperties().containsKey("status")) {
            r.setAdditionalProperty("status", current.getAdditionalProperties().get("status"));
        }
        return r;
    }

    private static String annotation(GenericKubernetesResource r) {
        Map<String, String> a = r.getMetadata().getAnnotations();
        return a == null ? null : a.get(CHANGED_BY);
    }

    private static String version(GenericKubernetesResource r) {
        String v = r.getMetadata().getResourceVersion();
        return v == null ? "0" : v;
    }

    private static long number(GenericKubernetesResource r) {
        try {
            return Long.parseLong(version(r));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("resourceVersion '" + version(r) + "' of EgressPolicy "
                    + r.getMetadata().getName() + " is not a number: Egret needs an etcd-backed API server", e);
        }
    }

    /** For tests and diagnostics: the resources as the informer has them. */
    List<String> cachedNames() {
        List<String> names = new ArrayList<>();
        informer.getStore().list().forEach(r -> names.add(r.getMetadata().getName()));
        return names;
    }
}
