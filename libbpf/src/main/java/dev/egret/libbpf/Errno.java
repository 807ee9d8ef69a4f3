package dev.egret.libbpf;

import java.util.Map;

/** Names of the errno values a BPF user meets. */
final class Errno {
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(1, "EPERM: operation not permitted"), Map.entry(2, "ENOENT: no such file or entry"),
            Map.entry(7, "E2BIG: map is full or argument too big"), Map.entry(9, "EBADF: bad file descriptor"),
            Map.entry(12, "ENOMEM: out of memory"), Map.entry(13, "EACCES: permission denied (verifier?)"),
            Map.entry(16, "EBUSY: busy"), Map.entry(17, "EEXIST: already exists"),
            Map.entry(22, "EINVAL: invalid argument"), Map.entry(28, "ENOSPC: no space left"),
            Map.entry(95, "EOPNOTSUPP: not supported"), Map.entry(524, "ENOTSUPP: not supported by this kernel"),
            Map.entry(4007, "LIBBPF_ERRNO__LOAD: failed to load program (verifier)"));

    private Errno() {
    }

    static String describe(int errno) {
        return NAMES.getOrDefault(errno, "error " + errno);
    }
}
