/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The contract between Egret's eBPF programs and its Java node agent: map keys and values, event records,
 * verdicts and constants. Java mirrors these layouts in dev.egret.node.datapath.KernelContract, and a test
 * checks them against this object's BTF. Multi-byte integers are host order (little-endian on x86_64) except
 * addresses and ports, which are network order.
 */
#ifndef EGRET_H
#define EGRET_H

#include <linux/types.h>

#define EGRET_MAX_PORT_RANGES 16
#define EGRET_COMM_LEN 16
#define EGRET_MAX_ANCESTORS 16 /* cgroup levels looked up for the nearest policed ancestor */

/* workload modes */
#define EGRET_MODE_ENFORCE 0
#define EGRET_MODE_AUDIT 1

/* workload flags */
#define EGRET_WL_ALLOW_RAW 0x1        /* may open raw and packet sockets */
#define EGRET_WL_REPORT_ALLOWED 0x2   /* emit an event for allowed connects too (egret run's summary) */

/* verdicts in events */
#define EGRET_VERDICT_ALLOW 0
#define EGRET_VERDICT_DENY 1
#define EGRET_VERDICT_AUDIT_DENY 2

/* reasons in events */
#define EGRET_REASON_ALLOW_RULE 0
#define EGRET_REASON_LEARNED 1
#define EGRET_REASON_DENY_RULE 2
#define EGRET_REASON_DEFAULT_DENY 3
#define EGRET_REASON_RAW_SOCKET 4

/* hooks in events */
#define EGRET_HOOK_CONNECT4 1
#define EGRET_HOOK_CONNECT6 2
#define EGRET_HOOK_SENDMSG4 3
#define EGRET_HOOK_SENDMSG6 4
#define EGRET_HOOK_SKB 5
#define EGRET_HOOK_SOCK_CREATE 6

/* port range protocol: a range with EGRET_PROTO_ALL covers every protocol (a rule without toPorts) */
#define EGRET_PROTO_ANY 0   /* TCP and UDP */
#define EGRET_PROTO_TCP 6
#define EGRET_PROTO_UDP 17
#define EGRET_PROTO_ALL 255

/* indexes into the stats array */
#define EGRET_STAT_EVENTS_LOST 0
#define EGRET_STAT_MAX 4

struct egret_workload {
	__u32 slot;   /* policy slot: keys of the rule maps */
	__u8 mode;    /* EGRET_MODE_* */
	__u8 flags;   /* EGRET_WL_* */
	__u16 pad;
};

struct egret_port_range {
	__u16 lo;     /* host order */
	__u16 hi;
	__u8 proto;   /* EGRET_PROTO_* */
	__u8 pad[3];
};

/* The value of a rule-map entry: every port range of every rule whose prefix covers this one. */
struct egret_rule {
	__u32 count;
	struct egret_port_range ranges[EGRET_MAX_PORT_RANGES];
};

/* LPM keys: prefixlen counts the 32 slot bits plus the address prefix. */
struct egret_lpm4_key {
	__u32 prefixlen;
	__u32 slot;       /* network order, so that it is the leading bits of the prefix */
	__u8 addr[4];
};

struct egret_lpm6_key {
	__u32 prefixlen;
	__u32 slot;       /* network order */
	__u8 addr[16];
};

/*
 * An IP learned by the DNS proxy for one workload: the policed (bound) cgroup whose process resolved an allowed name,
 * so an address is allowed only to the workload that resolved it. IPv4 as ::ffff:a.b.c.d.
 */
struct egret_learned_key {
	__u64 cgroup_id;   /* the bound cgroup: a key of egret_workloads */
	__u8 addr[16];
};

struct egret_learned {
	__u64 expires_ns;  /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	struct egret_rule ports;
};

struct egret_counters {
	__u64 egress_bytes;
	__u64 egress_packets;
	__u64 allowed;
	__u64 denied;
	__u64 audited;
};

struct egret_event {
	__u64 ts_ns;
	__u64 cgroup_id;
	__u32 pid;
	__u32 slot;
	char comm[EGRET_COMM_LEN];
	__u8 addr[16];     /* IPv4 as ::ffff:a.b.c.d */
	__u16 port;        /* host order */
	__u8 family;       /* 4 or 6 */
	__u8 proto;        /* IPPROTO_* */
	__u8 hook;         /* EGRET_HOOK_* */
	__u8 verdict;      /* EGRET_VERDICT_* */
	__u8 reason;       /* EGRET_REASON_* */
	__u8 pad;
};

/* DNS redirect: where the node's DNS proxy listens. port 0 = no proxy: DNS is policed like any traffic. */
struct egret_dns_config {
	__u32 ip4;         /* network order, e.g. 127.0.0.1 */
	__u8 ip6[16];      /* e.g. ::1 */
	__u16 port;        /* network order */
	__u16 pad;
	/* For sockets in another network namespace (pods): an address of this node they can reach; 0 = none. */
	__u32 pod_ip4;
	__u8 pod_ip6[16];
	__u32 pad2;
	__u64 host_netns;  /* the network namespace cookie of the proxy's (the node's) namespace; 0 = unknown */
};

/* What a redirected DNS socket asked for, and who asked: keyed by socket cookie, and by client port for the proxy. */
struct egret_dns_orig {
	__u64 cgroup_id;   /* the bound cgroup (the policed ancestor), as in egret_workloads */
	__u32 pid;
	__u8 family;       /* 4 or 6: the family of the address the client asked */
	__u8 pad[3];
	__u8 addr[16];     /* the resolver the client asked; IPv4 as ::ffff:a.b.c.d */
	__u16 port;        /* network order, 53 */
	__u8 pad2[6];
	char comm[EGRET_COMM_LEN]; /* the asking process's command when it sent, so the agent needs no /proc */
};

/* The proxy's key for a query: the client socket's local port as it arrives on loopback. */
struct egret_dns_client_key {
	__u8 family;       /* 4 or 6: the family of the packet that reached the proxy */
	__u8 proto;        /* IPPROTO_UDP or IPPROTO_TCP */
	__u16 port;        /* client source port, host order */
	__u8 addr[16];     /* client source address (a pod's address, or loopback); IPv4 as ::ffff:a.b.c.d */
};

/*
 * The last DNS query each client socket sent to the proxy, in an array the proxy maps into its memory and reads
 * without a syscall: slot egret_dns_asker_slot(key). A slot is a seqlock: seq is odd while a writer fills it (a
 * writer that finds it odd, or loses the race to make it odd, skips it), so a reader that sees the same even seq
 * before and after its copy has a whole entry; it checks the key, and on any doubt asks egret_dns_clients, which
 * always has the entry (the array is a cache of it).
 */
#define EGRET_DNS_ASKERS 4096 /* a power of two */

struct egret_dns_asker {
	__u32 seq;
	__u32 pad;
	struct egret_dns_client_key key;
	__u32 pad2;
	struct egret_dns_orig orig;
};

/* The slot of a client key: the same arithmetic as the proxy's (DnsAskers.slot in Java). */
static inline __u32 egret_dns_asker_slot(const struct egret_dns_client_key *k)
{
	__u32 w[4];
	__u32 h;

	__builtin_memcpy(w, k->addr, 16);
	h = ((__u32)k->family << 24) ^ ((__u32)k->proto << 16) ^ k->port;
	h = (h ^ w[0] ^ w[1] ^ w[2] ^ w[3]) * 0x9e3779b1u;
	return h >> (32 - 12); /* 12 = log2(EGRET_DNS_ASKERS) */
}

#endif
