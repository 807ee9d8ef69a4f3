package dev.egret.node.datapath;

import dev.egret.libbpf.AttachType;

import java.util.List;

/** The compiled objects, their programs and where each attaches. */
final class Programs {
    /** @param optional a program whose hook this kernel may lack; the datapath works without it and says so */
    record Program(String object, String name, AttachType attach, boolean optional) {
        Program(String object, String name, AttachType attach) {
            this(object, name, attach, false);
        }
    }

    static final List<Program> ALL = List.of(
            new Program("connect4", "egret_connect4", AttachType.CGROUP_INET4_CONNECT),
            new Program("connect6", "egret_connect6", AttachType.CGROUP_INET6_CONNECT),
            new Program("sendmsg4", "egret_sendmsg4", AttachType.CGROUP_UDP4_SENDMSG),
            new Program("sendmsg6", "egret_sendmsg6", AttachType.CGROUP_UDP6_SENDMSG),
            new Program("sock_create", "egret_sock_create", AttachType.CGROUP_INET_SOCK_CREATE),
            new Program("skb_egress", "egret_skb_egress", AttachType.CGROUP_INET_EGRESS),
            new Program("recvmsg4", "egret_recvmsg4", AttachType.CGROUP_UDP4_RECVMSG),
            new Program("recvmsg6", "egret_recvmsg6", AttachType.CGROUP_UDP6_RECVMSG),
            new Program("getpeername4", "egret_getpeername4", AttachType.CGROUP_INET4_GETPEERNAME),
            new Program("getpeername6", "egret_getpeername6", AttachType.CGROUP_INET6_GETPEERNAME),
            new Program("lsm_socket", "egret_lsm_socket_create", AttachType.LSM_CGROUP, true));

    static final List<String> MAPS = List.of(KernelContract.MAP_WORKLOADS, KernelContract.MAP_ALLOW4,
            KernelContract.MAP_DENY4, KernelContract.MAP_ALLOW6, KernelContract.MAP_DENY6, KernelContract.MAP_LEARNED,
            KernelContract.MAP_COUNTERS, KernelContract.MAP_STATS, KernelContract.MAP_EVENTS, KernelContract.MAP_DNS_CONFIG,
            KernelContract.MAP_DNS_SOCKS, KernelContract.MAP_DNS_CLIENTS);

    private Programs() {
    }
}
