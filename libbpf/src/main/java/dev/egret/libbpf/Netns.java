package dev.egret.libbpf;

import dev.egret.libbpf.internal.NetnsCookie;

/** Network namespaces as BPF programs see them. */
public final class Netns {
    private Netns() {
    }

    /**
     * The cookie of the caller's network namespace, as {@code bpf_get_netns_cookie} returns it for sockets in it.
     *
     * @throws BpfException with the errno when the kernel cannot tell it (before Linux 5.14)
     */
    public static long currentCookie() {
        return NetnsCookie.current();
    }
}
