package dev.egret.node.run;

import dev.egret.node.run.MountTable.Mount;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MountTableTest {
    @Test
    void readsMountPointTypeAndSuperOptionsWithAndWithoutOptionalFields() {
        List<Mount> m = MountTable.parse(List.of(
                "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
                "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 master:2 - cgroup cgroup rw,memory",
                "41 31 0:38 /.. /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate",
                "42 23 0:39 / /mnt/with\\040space rw - bpf bpf rw",
                "garbage line",
                "43 23 0:40 / /x rw - cgroup2"));
        assertEquals(List.of(
                new Mount("/sys/fs/cgroup", "tmpfs", "rw,mode=755"),
                new Mount("/sys/fs/cgroup/memory", "cgroup", "rw,memory"),
                new Mount("/sys/fs/cgroup/unified", "cgroup2", "rw,nsdelegate"),
                new Mount("/mnt/with space", "bpf", "rw"),
                new Mount("/x", "cgroup2", "")), m);
    }
}
