package dev.egret.libbpf;

/** The cgroup attach points Egret uses, with the kernel's {@code enum bpf_attach_type} values. */
public enum AttachType {
    CGROUP_INET_EGRESS(1),
    CGROUP_INET_SOCK_CREATE(2),
    CGROUP_INET4_CONNECT(10),
    CGROUP_INET6_CONNECT(11),
    CGROUP_UDP4_SENDMSG(14),
    CGROUP_UDP6_SENDMSG(15),
    CGROUP_UDP4_RECVMSG(19),
    CGROUP_UDP6_RECVMSG(20),
    CGROUP_INET4_GETPEERNAME(29),
    CGROUP_INET6_GETPEERNAME(30),
    /** A per-cgroup LSM hook ({@code SEC("lsm_cgroup/...")}), kernel 6.0 or newer with the BPF LSM. */
    LSM_CGROUP(43);

    private final int kernelValue;

    AttachType(int kernelValue) {
        this.kernelValue = kernelValue;
    }

    public int kernelValue() {
        return kernelValue;
    }
}
