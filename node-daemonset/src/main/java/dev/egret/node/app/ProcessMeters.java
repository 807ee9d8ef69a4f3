package dev.egret.node.app;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * The agent process's own meters, read from {@code /proc/self} and the JVM's runtime when scraped, under the names the
 * Prometheus clients use ({@code process_resident_memory_bytes}, {@code process_cpu_seconds_total},
 * {@code process_open_fds}, ...), plus the heap and the collector's work.
 *
 * <p>In place of Micrometer's JVM and system binders: those subscribe to every collection's JMX notification and read
 * the container's cgroup files through the platform MXBeans, which cost the agent about 1.5 MiB of class metadata and
 * a notification per young collection under DNS load. Nothing here holds a value between scrapes.
 */
final class ProcessMeters {
    /** USER_HZ: the unit of {@code /proc/self/stat}'s CPU times, 100 on every Linux ABI. */
    private static final double TICKS_PER_SECOND = 100.0;

    private final Path proc;

    ProcessMeters(Path proc) {
        this.proc = proc;
    }

    /**
     * Registers the meters. Micrometer holds a meter's state object weakly, so each meter's state is the registry
     * itself and its function holds this object: the meters read as long as the registry is scraped.
     */
    void bindTo(MeterRegistry registry) {
        gauge(registry, "process.resident.memory", "bytes", "Resident set size of the agent process", () -> status("VmRSS:"));
        gauge(registry, "process.virtual.memory", "bytes", "Virtual memory size of the agent process", () -> status("VmSize:"));
        FunctionCounter.builder("process.cpu", registry, r -> cpuSeconds())
                .baseUnit("seconds").description("User and system CPU time of the agent process").register(registry);
        gauge(registry, "process.open.fds", null, "Open file descriptors of the agent process", this::openFds);
        gauge(registry, "process.max.fds", null, "The agent process's limit of open file descriptors", this::maxFds);
        double started = ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0;
        gauge(registry, "process.start.time", "seconds", "Start of the agent process, since the epoch", () -> started);
        Runtime rt = Runtime.getRuntime();
        Gauge.builder("jvm.memory.used", registry, r -> rt.totalMemory() - rt.freeMemory()).tag("area", "heap")
                .baseUnit("bytes").description("Java heap in use").register(registry);
        Gauge.builder("jvm.memory.max", registry, r -> rt.maxMemory()).tag("area", "heap")
                .baseUnit("bytes").description("Java heap limit").register(registry);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        gauge(registry, "jvm.threads.live", "threads", "Live threads of the agent process", threads::getThreadCount);
        List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
        for (GarbageCollectorMXBean gc : gcs) { // one per collector of the VM: a bounded label
            FunctionCounter.builder("jvm.gc.collections", registry, r -> Math.max(0, gc.getCollectionCount()))
                    .tag("gc", gc.getName()).description("Collections run by this collector").register(registry);
            FunctionCounter.builder("jvm.gc.collection", registry, r -> Math.max(0, gc.getCollectionTime()) / 1000.0)
                    .tag("gc", gc.getName()).baseUnit("seconds").description("Time spent in this collector")
                    .register(registry);
        }
    }

    private static void gauge(MeterRegistry registry, String name, String unit, String help, DoubleSupplier value) {
        Gauge.builder(name, registry, r -> value.getAsDouble()).baseUnit(unit).description(help).register(registry);
    }

    /** A {@code /proc/self/status} field given in kB, in bytes; NaN when unreadable. */
    double status(String field) {
        try {
            for (String line : Files.readAllLines(proc.resolve("status"))) {
                if (line.startsWith(field)) {
                    String[] f = line.substring(field.length()).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    double cpuSeconds() {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            // the command name, in parentheses, may hold spaces: fields are counted after its closing one
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND; // utime, stime
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    double openFds() {
        int n = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path ignored : fds) {
                n++;
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return n - 1; // without the descriptor this listing holds open
    }

    double maxFds() {
        try {
            for (String line : Files.readAllLines(proc.resolve("limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Double.POSITIVE_INFINITY : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
