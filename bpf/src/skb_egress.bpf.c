// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Per-workload byte and packet counters, and the second line of defence: packets of sockets that the
 * connect/sendmsg hooks do not judge (raw sockets, ICMP) are dropped unless the policy allows the destination.
 * TCP and UDP sockets were judged at connect or send time, so their packets only count: expiry of a learned IP
 * does not cut an established connection.
 */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include "decide.h"
#include "workload.h"

SEC("cgroup_skb/egress")
int egret_skb_egress(struct __sk_buff *skb)
{
	__u64 cgid = 0;
	struct egret_workload *wl = egret_skb_workload(skb, &cgid);
	struct egret_counters *c;
	struct bpf_sock *sk;
	__u8 addr16[16];
	__u8 reason = 0;
	__u8 proto;
	int verdict;

	if (!wl)
		return 1;
	c = bpf_map_lookup_elem(&egret_counters, &cgid);
	if (c) {
		__sync_fetch_and_add(&c->egress_bytes, skb->len);
		__sync_fetch_and_add(&c->egress_packets, 1);
	}
	sk = skb->sk;
	if (sk) {
		sk = bpf_sk_fullsock(sk);
		if (sk && (sk->protocol == IPPROTO_TCP || sk->protocol == IPPROTO_UDP) && sk->type != 3 /* SOCK_RAW */)
			return 1;
	}
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) < 0)
			return 0;
		proto = ip.protocol;
		verdict = egret_decide4(wl->slot, ip.daddr, 0, proto, &reason);
		egret_map4(addr16, ip.daddr);
		return egret_finish(cgid, wl, 4, addr16, 0, proto, EGRET_HOOK_SKB, verdict, reason, 0);
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)) < 0)
			return 0;
		proto = ip6.nexthdr;
		__builtin_memcpy(addr16, &ip6.daddr, 16);
		if (egret_is_mapped4((__u32 *)addr16))
			verdict = egret_decide4(wl->slot, ((__u32 *)addr16)[3], 0, proto, &reason);
		else
			verdict = egret_decide6(wl->slot, addr16, 0, proto, &reason);
		return egret_finish(cgid, wl, 6, addr16, 0, proto, EGRET_HOOK_SKB, verdict, reason, 0);
	}
	return 0; /* fail closed on anything else a policed workload sends */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
