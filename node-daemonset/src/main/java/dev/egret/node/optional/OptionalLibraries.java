package dev.egret.node.optional;

import dev.egret.node.audit.AuditTransport;
import dev.egret.node.pods.PodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The libraries that only one mode needs: the Kafka client ({@code --events kafka}) and the Kubernetes client (pod
 * workloads). The packaged agent keeps them in {@code lib/optional} beside its jar, off its class path, and loads them
 * when that mode starts. A jar on the class path costs heap for as long as the agent runs (its central directory,
 * read when the class loader first searches it, and every search does), whether or not a class of it is used: these
 * jars cost about 1.5 MiB, a twentieth of the agent's heap.
 *
 * <p>The adapter packages that link against them ({@link #ADAPTERS}) are defined by the same loader, from the agent's
 * own jar; every other class comes from the agent's class path, so the adapters implement the agent's own
 * {@link AuditTransport} and {@link PodSource}. Without {@code lib/optional} (tests, a flat class path) everything is
 * on the class path already and is loaded from there.
 */
public final class OptionalLibraries {
    /** Packages (with their trailing dot) whose classes use the optional libraries. */
    public static final List<String> ADAPTERS = List.of("dev.egret.node.audit.kafka.", "dev.egret.node.pods.kube.");
    private static final String KAFKA = "dev.egret.node.audit.kafka.KafkaAuditTransport";
    private static final String PODS = "dev.egret.node.pods.kube.PodWatcher";

    private static ClassLoader shared;

    private OptionalLibraries() {
    }

    /** The Kafka transport of the audit journal. */
    public static AuditTransport kafkaTransport(Map<String, String> settings, String topic, Duration timeout) {
        return (AuditTransport) call(KAFKA, "create", new Class<?>[]{Map.class, String.class, Duration.class},
                settings, topic, timeout);
    }

    /** This node's pods from the API server the pod's environment names. */
    public static PodSource pods(String nodeName, boolean serverSideSelector, Runnable onChange) {
        return (PodSource) call(PODS, "connect", new Class<?>[]{String.class, boolean.class, Runnable.class},
                nodeName, serverSideSelector, onChange);
    }

    private static Object call(String className, String method, Class<?>[] types, Object... args) {
        try {
            return Class.forName(className, true, loader()).getMethod(method, types).invoke(null, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("cannot load " + className + " from " + where() + ": " + e, e);
        }
    }

    private static String where() {
        Path dir = directory(OptionalLibraries.class);
        return dir == null ? "the class path" : dir.toString();
    }

    /** The loader of the optional libraries: made once, on first use. */
    static synchronized ClassLoader loader() {
        if (shared == null) {
            shared = loaderFor(directory(OptionalLibraries.class), OptionalLibraries.class.getClassLoader());
        }
        return shared;
    }

    /** A loader over the jars of {@code dir} below {@code parent}; {@code parent} itself when there is no such dir. */
    static ClassLoader loaderFor(Path dir, ClassLoader parent) {
        if (dir == null || !Files.isDirectory(dir)) {
            return parent;
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> jars = files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList();
            URL[] urls = new URL[jars.size()];
            for (int i = 0; i < urls.length; i++) {
                urls[i] = jars.get(i).toUri().toURL();
            }
            return new AdapterFirstLoader(urls, parent);
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the optional libraries in " + dir, e);
        }
    }

    /** {@code lib/optional} beside the jar that holds {@code anchor}; null when it is not loaded from a jar. */
    static Path directory(Class<?> anchor) {
        try {
            var source = anchor.getProtectionDomain().getCodeSource();
            if (source == null || source.getLocation() == null) {
                return null;
            }
            Path jar = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(jar) ? jar.resolveSibling("lib").resolve("optional") : null;
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }

    /**
     * Defines the adapter packages' classes itself, from the parent's resources (so they link against the optional
     * jars), and delegates every other class to the parent first.
     */
    static final class AdapterFirstLoader extends URLClassLoader {
        static {
            registerAsParallelCapable();
        }

        AdapterFirstLoader(URL[] jars, ClassLoader parent) {
            super("egret-optional", jars, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (ADAPTERS.stream().noneMatch(name::startsWith)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    byte[] bytes;
                    try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                        if (in == null) {
                            throw new ClassNotFoundException(name);
                        }
                        bytes = in.readAllBytes();
                    } catch (IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                    c = defineClass(name, bytes, 0, bytes.length, OptionalLibraries.class.getProtectionDomain());
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }
}
