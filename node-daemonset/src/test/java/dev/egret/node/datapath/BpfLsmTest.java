package dev.egret.node.datapath;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpfLsmTest {
    @Test
    void bpfMustBeAmongTheActiveLsms() {
        assertTrue(BpfLsm.activeIn("lockdown,capability,landlock,bpf\n"));
        assertTrue(BpfLsm.activeIn("bpf,capability"));
        assertFalse(BpfLsm.activeIn("lockdown,capability,landlock,yama,apparmor\n"), "built in but not enabled at boot");
        assertFalse(BpfLsm.activeIn("capability,bpfx"));
        assertFalse(BpfLsm.activeIn(""));
    }

    @Test
    void unknownWhenSecurityfsCannotBeRead(@TempDir Path dir) throws Exception {
        assertEquals(Optional.empty(), BpfLsm.active(dir.resolve("lsm")));
        Files.writeString(dir.resolve("lsm"), "capability,selinux");
        assertEquals(Optional.of(false), BpfLsm.active(dir.resolve("lsm")));
    }
}
