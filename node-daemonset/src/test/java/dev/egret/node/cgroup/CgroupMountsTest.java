package dev.egret.node.cgroup;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CgroupMountsTest {

    @Test
    void hybridLayout() {
        CgroupMounts m = CgroupMounts.parse(List.of(
                "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0",
                "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0",
                "cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0",
                "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0",
                "cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0",
                "cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0",
                "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0"));
        assertEquals(Path.of("/sys/fs/cgroup/unified"), m.v2Root());
        assertEquals(Path.of("/sys/fs/cgroup/memory"), m.v1("memory").orElseThrow());
        assertEquals(Path.of("/sys/fs/cgroup/pids"), m.v1("pids").orElseThrow());
        assertTrue(m.v1("name=systemd").isEmpty());
    }

    @Test
    void unifiedLayoutAndCombinedV1Mounts() {
        CgroupMounts m = CgroupMounts.parse(List.of("cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec 0 0"));
        assertEquals(Path.of("/sys/fs/cgroup"), m.v2Root());
        assertTrue(m.v1Controllers().isEmpty());
        CgroupMounts c = CgroupMounts.parse(List.of("cgroup /x/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0",
                "cgroup2 /mnt/with\\040space cgroup2 rw 0 0"));
        assertEquals(Path.of("/x/cpu,cpuacct"), c.v1("cpuacct").orElseThrow());
        assertEquals(Path.of("/mnt/with space"), c.v2Root());
    }

    @Test
    void noCgroup2IsAClearError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> CgroupMounts.parse(List.of("proc /proc proc rw 0 0")));
        assertTrue(e.getMessage().contains("cgroup2"));
    }

    @Test
    void limitsValidateThemselves() {
        assertEquals("50000 100000", new CgroupLimits(-1, 500, -1).cpuMax());
        assertEquals("200000 100000", new CgroupLimits(-1, 2000, -1).cpuMax());
        assertThrows(IllegalArgumentException.class, () -> new CgroupLimits(0, -1, -1));
        assertThrows(IllegalArgumentException.class, () -> new CgroupLimits(-1, -1, -5));
    }
}
