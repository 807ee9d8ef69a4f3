package dev.egret.node.run;

import dev.egret.node.run.MountTable.Mount;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfinementTest {
    private static final List<Mount> HYBRID = List.of(
            new Mount("/", "ext4", "rw"),
            new Mount("/sys/fs/cgroup", "tmpfs", "rw,mode=755"),
            new Mount("/sys/fs/cgroup/cpu,cpuacct", "cgroup", "rw,cpu,cpuacct"),
            new Mount("/sys/fs/cgroup/memory", "cgroup", "rw,memory,release_agent=/x"),
            new Mount("/sys/fs/cgroup/systemd", "cgroup", "rw,xattr,name=systemd"),
            new Mount("/sys/fs/cgroup/unified", "cgroup2", "rw,nsdelegate"),
            new Mount("/sys/fs/bpf", "bpf", "rw"),
            new Mount("/sys/fs/bpf/inner", "bpf", "rw"),
            new Mount("/run/it's", "cgroup2", "rw"),
            new Mount("/run/it's", "tmpfs", "rw"));

    private static List<String> steps(Confinement c) {
        return c.script().lines().filter(l -> l.contains("mount")).toList();
    }

    @Test
    void everyVisibleCgroupHierarchyIsRemountedReadOnlyFromInsideTheNamespaceAndBpffsIsUnmounted() {
        List<String> steps = steps(Confinement.of(HYBRID, false));
        assertEquals(List.of(
                "{ umount -l '/sys/fs/cgroup/cpu,cpuacct' && mount -t cgroup -o cpu,cpuacct cgroup '/sys/fs/cgroup/cpu,cpuacct'"
                        + " && mount -o remount,bind,ro '/sys/fs/cgroup/cpu,cpuacct'; }",
                "{ umount -l '/sys/fs/cgroup/memory' && mount -t cgroup -o memory cgroup '/sys/fs/cgroup/memory'"
                        + " && mount -o remount,bind,ro '/sys/fs/cgroup/memory'; }",
                "{ umount -l '/sys/fs/cgroup/systemd' && mount -t cgroup -o xattr,name=systemd cgroup '/sys/fs/cgroup/systemd'"
                        + " && mount -o remount,bind,ro '/sys/fs/cgroup/systemd'; }",
                "{ umount -l '/sys/fs/cgroup/unified' && mount -t cgroup2 cgroup2 '/sys/fs/cgroup/unified'"
                        + " && mount -o remount,bind,ro '/sys/fs/cgroup/unified'; }",
                "umount -l '/sys/fs/bpf'"),
                steps.stream().map(s -> s.replaceAll(" \\|\\| fail .*", "")).toList(),
                "bpffs inside bpffs goes with its parent; a cgroup2 covered by a tmpfs is not reachable anyway");
        assertTrue(steps.stream().allMatch(s -> s.contains("|| fail ")), "each step fails closed: " + steps);
    }

    @Test
    void thePrivilegesThatCouldUndoItAreDroppedAndRawSocketsOnlyWhenAllowed() {
        Confinement refused = Confinement.of(HYBRID, false);
        assertTrue(refused.droppedCapabilities().containsAll(List.of("sys_admin", "bpf", "net_admin", "net_raw",
                "sys_module", "sys_ptrace")), refused.droppedCapabilities().toString());
        String last = refused.script().strip().lines().reduce((a, b) -> b).orElseThrow();
        String caps = String.join(",", refused.droppedCapabilities().stream().map(c -> "-" + c).toList());
        assertEquals("exec setpriv --bounding-set " + caps + " --inh-caps " + caps + " -- \"$@\"", last);
        Confinement allowed = Confinement.of(HYBRID, true);
        assertFalse(allowed.droppedCapabilities().contains("net_raw"));
        assertTrue(allowed.droppedCapabilities().contains("sys_admin"));
    }

    @Test
    void theCommandJoinsItsCgroupBeforeItEntersTheNamespaces() {
        Confinement c = Confinement.of(List.of(new Mount("/sys/fs/cgroup", "cgroup2", "rw")), false);
        List<String> cmd = c.command(List.of("./deploy.sh", "--now"));
        assertEquals(List.of("/bin/sh", "-c"), cmd.subList(0, 2));
        assertEquals(List.of("egret-run", "./deploy.sh", "--now"), cmd.subList(3, 6));
        String outer = cmd.get(2);
        assertTrue(outer.indexOf("echo $$ >") < outer.indexOf("exec unshare --cgroup --mount"), outer);
        assertEquals("/a/cgroup.procs /b/cgroup.procs",
                c.environment(List.of("/a/cgroup.procs", "/b/cgroup.procs")).get("EGRET_CGROUP_PROCS"));
        assertEquals(c.script(), c.environment(List.of()).get("EGRET_CONFINE"));
    }

    @Test
    void quotingSurvivesQuotes() {
        assertEquals("'it'\"'\"'s'", Confinement.quote("it's"));
        assertEquals("cpu,noprefix", Confinement.hierarchyOptions("rw,cpu,seclabel,noprefix,release_agent=/sbin/x"));
    }
}
