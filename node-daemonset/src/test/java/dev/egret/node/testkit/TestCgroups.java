package dev.egret.node.testkit;

import dev.egret.node.cgroup.CgroupLimits;
import dev.egret.node.cgroup.CgroupMounts;
import dev.egret.node.cgroup.WorkloadCgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** A test's own parent cgroup (under the cgroup2 root) and bpffs pin directory, removed afterwards. */
public final class TestCgroups implements AutoCloseable {
    public final CgroupMounts mounts = CgroupMounts.fromProc();
    public final String parent = "egret-test-" + UUID.randomUUID().toString().substring(0, 8);
    public final Path pinDir = Path.of("/sys/fs/bpf/" + parent);

    public WorkloadCgroup workload(String name, CgroupLimits limits) {
        return WorkloadCgroup.create(mounts, parent, name, limits);
    }

    @Override
    public void close() throws IOException {
        dev.egret.node.datapath.EgretDatapath.uninstall(pinDir);
        for (Path root : new java.util.ArrayList<>(mounts.v1Controllers().values().stream().distinct().toList())) {
            Files.deleteIfExists(root.resolve(parent));
        }
        Files.deleteIfExists(mounts.v2Root().resolve(parent));
    }
}
