package dev.egret.node.pods;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fixtures shaped like the kubepods trees real kubelets make, for both cgroup drivers. */
class PodCgroupIndexTest {
    @TempDir
    Path root;

    private void mkdirs(String... paths) throws IOException {
        for (String p : paths) {
            Files.createDirectories(root.resolve(p));
        }
    }

    @Test
    void systemdDriverLayout() throws IOException {
        mkdirs("system.slice/containerd.service",
                "kubepods.slice/kubepods-pod11111111_1111_1111_1111_111111111111.slice/cri-containerd-aaaa.scope",
                "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod22222222_2222_2222_2222_222222222222.slice/cri-containerd-bbbb.scope",
                "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod33333333_3333_3333_3333_333333333333.slice/cri-containerd-cccc.scope",
                "user.slice/kubepods-pod44444444_4444_4444_4444_444444444444.slice");
        Map<String, PodCgroupIndex.PodCgroup> found = new PodCgroupIndex(root, root).scan();
        assertEquals(3, found.size(), found.toString());
        assertEquals("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod22222222_2222_2222_2222_222222222222.slice",
                found.get("22222222-2222-2222-2222-222222222222").path());
        assertEquals(Files.getAttribute(root.resolve(found.get("11111111-1111-1111-1111-111111111111").path()), "unix:ino"),
                found.get("11111111-1111-1111-1111-111111111111").id());
        assertTrue(found.containsKey("33333333-3333-3333-3333-333333333333"));
        assertEquals(Set.of(root, root.resolve("kubepods.slice"), root.resolve("kubepods.slice/kubepods-burstable.slice"),
                root.resolve("kubepods.slice/kubepods-besteffort.slice")), new PodCgroupIndex(root, root).tiers(),
                "where pod cgroups appear: watched, not the pods' own or other slices");
    }

    @Test
    void cgroupfsDriverLayout() throws IOException {
        mkdirs("kubepods/pod11111111-1111-1111-1111-111111111111/4a2f9c0e1d",
                "kubepods/burstable/pod22222222-2222-2222-2222-222222222222/5b3f",
                "kubepods/besteffort/pod33333333-3333-3333-3333-333333333333/6c4a",
                "system.slice/pod44444444-4444-4444-4444-444444444444");
        Map<String, PodCgroupIndex.PodCgroup> found = new PodCgroupIndex(root, root).scan();
        assertEquals(3, found.size(), found.toString());
        assertEquals("kubepods/besteffort/pod33333333-3333-3333-3333-333333333333",
                found.get("33333333-3333-3333-3333-333333333333").path());
        assertEquals(Set.of(root, root.resolve("kubepods"), root.resolve("kubepods/burstable"), root.resolve("kubepods/besteffort")),
                new PodCgroupIndex(root, root).tiers());
    }
}
