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

    void bindTo(MeterRegistry registry) {
        Gauge.builder("process.resident.memory", this, m -> m.status("VmRSS:"))
                .baseUnit("bytes").description("Resident set size of the agent process").register(registry);
        Gauge.builder("process.virtual.memory", this, m -> m.status("VmSize:"))
                .baseUnit("bytes").description("Virtual memory size of the agent process").register(registry);
        FunctionCounter.builder("process.cpu", this, ProcessMeters::cpuSeconds)
                .baseUnit("seconds").description("User and system CPU time of the agent process").register(registry);
        Gauge.builder("process.open.fds", this, ProcessMeters::openFds)
                .description("Open file descriptors of the agent process").register(registry);
        Gauge.builder("process.max.fds", this, ProcessMeters::maxFds)
                .description("The agent process's limit of open file descriptors").register(registry);
        double started = ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0;
        Gauge.builder("process.start.time", () -> started)
                .baseUnit("seconds").description("Start of the agent process, since the epoch").register(registry);
        Runtime rt = Runtime.getRuntime();
        Gauge.builder("jvm.memory.used", rt, r -> r.totalMemory() - r.freeMemory()).tag("area", "heap")
                .baseUnit("bytes").description("Java heap in use").register(registry);
        Gauge.builder("jvm.memory.max", rt, Runtime::maxMemory).tag("area", "heap")
                .baseUnit("bytes").description("Java heap limit").register(registry);
        Gauge.builder("jvm.threads.live", ManagementFactory.getThreadMXBean(), ThreadMXBean::getThreadCount)
                .baseUnit("threads").description("Live threads of the agent process").register(registry);
        List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
        for (GarbageCollectorMXBean gc : gcs) { // one per collector of the VM: a bounded label
            FunctionCounter.builder("jvm.gc.collections", gc, b -> Math.max(0, b.getCollectionCount()))
                    .tag("gc", gc.getName()).description("Collections run by this collector").register(registry);
            FunctionCounter.builder("jvm.gc.collection", gc, b -> Math.max(0, b.getCollectionTime()) / 1000.0)
                    .tag("gc", gc.getName()).baseUnit("seconds").description("Time spent in this collector")
                    .register(registry);
        }
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
