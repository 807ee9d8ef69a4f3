package dev.egret.node.app;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessMetersTest {
    @TempDir
    Path proc;

    @Test
    void readsTheProcessFilesAsTheKernelWritesThem() throws Exception {
        Files.writeString(proc.resolve("status"), "Name:\tjava\nVmSize:\t 2480000 kB\nVmRSS:\t  123456 kB\nThreads:\t33\n");
        // a command name with a space and a parenthesis: utime 250 and stime 150 ticks are the 14th and 15th fields
        Files.writeString(proc.resolve("stat"), "4242 (egret (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 33 0 9 0\n");
        Files.createDirectory(proc.resolve("fd"));
        for (int i = 0; i < 5; i++) {
            Files.createFile(proc.resolve("fd").resolve(Integer.toString(i)));
        }
        Files.writeString(proc.resolve("limits"), """
                Limit                     Soft Limit           Hard Limit           Units
                Max open files            1048576              1048576              files
                """);
        ProcessMeters m = new ProcessMeters(proc);
        assertEquals(123456 * 1024.0, m.status("VmRSS:"));
        assertEquals(2480000 * 1024.0, m.status("VmSize:"));
        assertEquals(4.0, m.cpuSeconds(), 1e-9);
        assertEquals(4.0, m.openFds(), "five entries, less the one the listing holds: a real /proc/self/fd lists it");
        assertEquals(1048576.0, m.maxFds());
    }

    @Test
    void anUnreadableFileIsNotANumberNotAnError() {
        ProcessMeters m = new ProcessMeters(proc.resolve("gone"));
        assertTrue(Double.isNaN(m.status("VmRSS:")));
        assertTrue(Double.isNaN(m.cpuSeconds()));
        assertTrue(Double.isNaN(m.openFds()));
        assertTrue(Double.isNaN(m.maxFds()));
    }

    @Test
    void theAgentsOwnProcessReportsPlausibleValues() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ProcessMeters(Path.of("/proc/self")).bindTo(registry);
        double rss = registry.get("process.resident.memory").gauge().value();
        assertTrue(rss > 16 << 20 && rss < 64L << 30, "a JVM's RSS: " + rss);
        assertTrue(registry.get("process.open.fds").gauge().value() >= 3, "stdin, stdout and stderr at least");
        assertTrue(registry.get("process.cpu").functionCounter().count() > 0);
        assertTrue(registry.get("jvm.memory.used").tag("area", "heap").gauge().value() > 0);
        assertTrue(registry.get("jvm.threads.live").gauge().value() >= 1);
        // Micrometer holds a meter's state weakly: the meters must outlive the ProcessMeters object and a collection
        java.lang.ref.WeakReference<Object> probe = new java.lang.ref.WeakReference<>(new Object());
        for (int i = 0; i < 20 && probe.get() != null; i++) {
            System.gc();
        }
        assertTrue(probe.get() == null, "a collection ran");
        assertTrue(registry.get("process.resident.memory").gauge().value() > 16 << 20, "still read after a collection");
        assertTrue(registry.get("process.cpu").functionCounter().count() > 0);
        String text = registry.scrape();
        assertTrue(text.contains("process_start_time_seconds "), text);
        assertTrue(text.contains("jvm_gc_collection_seconds_total{gc="), text);
    }
}
