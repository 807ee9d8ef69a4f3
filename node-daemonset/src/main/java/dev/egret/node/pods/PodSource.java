package dev.egret.node.pods;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** This node's pods and every namespace's labels, as the API server has them, kept current; says when they change. */
public interface PodSource extends AutoCloseable {
    /** Whether the first full list of pods and namespaces is in (never blocks). */
    boolean synced();

    /** Waits for the first full list; false when it did not come in time. */
    boolean awaitSynced(long timeout, TimeUnit unit);

    /** The running pods of this node. */
    List<PodInfo> pods();

    /** Namespace name to its labels. */
    Map<String, Map<String, String>> namespaceLabels();

    /** Where the pods come from, for the log (the API server's URL). */
    String origin();

    @Override
    void close();
}
