package dev.egret.node.datapath;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * Whether the kernel runs the BPF LSM. An {@code lsm_cgroup} program loads and attaches on a kernel built with BPF LSM
 * even when {@code bpf} is not among the active LSMs (the {@code lsm=} boot parameter), and then never runs: the
 * raw-socket refusal would be silently absent.
 */
public final class BpfLsm {
    static final Path ACTIVE = Path.of("/sys/kernel/security/lsm");

    private BpfLsm() {
    }

    /** From the comma-separated list of active LSMs: whether {@code bpf} is one of them. */
    public static boolean activeIn(String lsmList) {
        return Arrays.stream(lsmList.strip().split(",")).anyMatch("bpf"::equals);
    }

    /** Whether BPF LSM is active; empty when it cannot be told (securityfs not mounted or not readable). */
    public static Optional<Boolean> active() {
        return active(ACTIVE);
    }

    static Optional<Boolean> active(Path file) {
        try {
            return Optional.of(activeIn(Files.readString(file)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
