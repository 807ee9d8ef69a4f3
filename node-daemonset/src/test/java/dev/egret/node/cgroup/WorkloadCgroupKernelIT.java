package dev.egret.node.cgroup;

import dev.egret.node.testkit.TestCgroups;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkloadCgroupKernelIT {

    @Test
    void limitsAreAppliedReadBackAndEverythingIsRemoved() throws Exception {
        try (TestCgroups env = new TestCgroups()) {
            WorkloadCgroup cg = env.workload("limited", new CgroupLimits(64L << 20, 500, 32));
            List<Path> dirs = new ArrayList<>();
            cg.procsFiles().forEach(f -> dirs.add(f.getParent()));
            Process sleeper = new ProcessBuilder("sleep", "30").start();
            try {
                cg.addProcess(sleeper.pid());
                assertTrue(cg.processes().contains(sleeper.pid()));
                CgroupUsage u = cg.usage();
                assertEquals(64L << 20, u.memoryLimitBytes());
                assertTrue(u.pids() >= 1, "pids " + u.pids());
                assertTrue(u.memoryBytes() >= 0);
                Path pidsMax = dirs.stream().map(d -> d.resolve("pids.max")).filter(Files::exists).findFirst().orElseThrow();
                assertEquals("32", Files.readString(pidsMax).strip());
                boolean cpuSet = dirs.stream().anyMatch(d -> read(d.resolve("cpu.max")).equals("50000 100000")
                        || read(d.resolve("cpu.cfs_quota_us")).equals("50000"));
                assertTrue(cpuSet, "cpu limit written in " + dirs);
            } finally {
                cg.close();
                sleeper.destroyForcibly().waitFor();
            }
            assertFalse(sleeper.isAlive());
            dirs.forEach(d -> assertFalse(Files.exists(d), d + " removed"));
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).strip();
        } catch (Exception e) {
            return "";
        }
    }
}
