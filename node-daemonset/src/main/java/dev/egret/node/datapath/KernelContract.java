package dev.egret.node.datapath;

/**
 * The Java side of {@code bpf/include/egret.h}: constants, struct sizes and field offsets.
 * {@code KernelContractIT} checks every size and offset here against the compiled objects' BTF.
 */
public final class KernelContract {
    private KernelContract() {
    }

    public static final int MAX_PORT_RANGES = 16;
    public static final int COMM_LEN = 16;

    public static final byte MODE_ENFORCE = 0;
    public static final byte MODE_AUDIT = 1;
    public static final byte WL_ALLOW_RAW = 0x1;
    public static final byte WL_REPORT_ALLOWED = 0x2;

    public static final int VERDICT_ALLOW = 0;
    public static final int VERDICT_DENY = 1;
    public static final int VERDICT_AUDIT_DENY = 2;

    public static final int REASON_ALLOW_RULE = 0;
    public static final int REASON_LEARNED = 1;
    public static final int REASON_DENY_RULE = 2;
    public static final int REASON_DEFAULT_DENY = 3;
    public static final int REASON_RAW_SOCKET = 4;

    public static final int HOOK_CONNECT4 = 1;
    public static final int HOOK_CONNECT6 = 2;
    public static final int HOOK_SENDMSG4 = 3;
    public static final int HOOK_SENDMSG6 = 4;
    public static final int HOOK_SKB = 5;
    public static final int HOOK_SOCK_CREATE = 6;

    public static final byte PROTO_ANY = 0;
    public static final byte PROTO_TCP = 6;
    public static final byte PROTO_UDP = 17;
    public static final byte PROTO_ALL = (byte) 255;

    public static final int STAT_EVENTS_LOST = 0;

    // struct egret_workload
    public static final int WORKLOAD_SIZE = 8;
    public static final int WORKLOAD_SLOT = 0;
    public static final int WORKLOAD_MODE = 4;
    public static final int WORKLOAD_FLAGS = 5;

    // struct egret_port_range
    public static final int PORT_RANGE_SIZE = 8;
    // struct egret_rule
    public static final int RULE_SIZE = 4 + MAX_PORT_RANGES * PORT_RANGE_SIZE;
    public static final int RULE_RANGES = 4;

    // struct egret_lpm4_key / egret_lpm6_key
    public static final int LPM4_KEY_SIZE = 12;
    public static final int LPM6_KEY_SIZE = 24;

    // struct egret_learned_key / egret_learned
    public static final int LEARNED_KEY_SIZE = 24;
    public static final int LEARNED_KEY_ADDR = 8;
    public static final int LEARNED_SIZE = 8 + RULE_SIZE + 4; // u64 alignment pads the tail
    public static final int LEARNED_PORTS = 8;

    // struct egret_counters
    public static final int COUNTERS_SIZE = 40;

    // struct egret_event
    public static final int EVENT_SIZE = 64;
    public static final int EVENT_TS = 0;
    public static final int EVENT_CGROUP = 8;
    public static final int EVENT_PID = 16;
    public static final int EVENT_SLOT = 20;
    public static final int EVENT_COMM = 24;
    public static final int EVENT_ADDR = 40;
    public static final int EVENT_PORT = 56;
    public static final int EVENT_FAMILY = 58;
    public static final int EVENT_PROTO = 59;
    public static final int EVENT_HOOK = 60;
    public static final int EVENT_VERDICT = 61;
    public static final int EVENT_REASON = 62;

    // struct egret_dns_config / egret_dns_orig / egret_dns_client_key
    public static final int DNS_CONFIG_SIZE = 56;
    public static final int DNS_CONFIG_IP6 = 4;
    public static final int DNS_CONFIG_PORT = 20;
    public static final int DNS_CONFIG_POD_IP4 = 24;
    public static final int DNS_CONFIG_POD_IP6 = 28;
    public static final int DNS_CONFIG_HOST_NETNS = 48;
    public static final int DNS_ORIG_SIZE = 56;
    public static final int DNS_ORIG_PID = 8;
    public static final int DNS_ORIG_FAMILY = 12;
    public static final int DNS_ORIG_ADDR = 16;
    public static final int DNS_ORIG_PORT = 32;
    public static final int DNS_ORIG_COMM = 40;
    public static final int DNS_CLIENT_KEY_SIZE = 20;
    public static final int DNS_CLIENT_KEY_ADDR = 4;
    // struct egret_dns_asker: a seqlocked copy of a client key and its egret_dns_orig, in an mmapped array
    public static final int DNS_ASKER_SIZE = 88;
    public static final int DNS_ASKER_KEY = 8;
    public static final int DNS_ASKER_ORIG = 32;
    public static final int DNS_ASKERS = 4096;

    /** Map names, as pinned. */
    public static final String MAP_WORKLOADS = "egret_workloads";
    public static final String MAP_ALLOW4 = "egret_allow4";
    public static final String MAP_DENY4 = "egret_deny4";
    public static final String MAP_ALLOW6 = "egret_allow6";
    public static final String MAP_DENY6 = "egret_deny6";
    public static final String MAP_LEARNED = "egret_learned";
    public static final String MAP_COUNTERS = "egret_counters";
    public static final String MAP_STATS = "egret_stats";
    public static final String MAP_EVENTS = "egret_events";
    public static final String MAP_DNS_CONFIG = "egret_dns_config";
    public static final String MAP_DNS_SOCKS = "egret_dns_socks";
    public static final String MAP_DNS_CLIENTS = "egret_dns_clients";
    public static final String MAP_DNS_ASKERS = "egret_dns_askers";
}
