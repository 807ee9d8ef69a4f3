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
#include <linux/tcp.h>
#include <linux/udp.h>
#include "decide.h"
#include "dns.h"
#include "workload.h"

/* The same, in the array the proxy reads without a syscall; skipped when another CPU is writing the slot. */
static __always_inline void egret_dns_ask(const struct egret_dns_client_key *k, const struct egret_dns_orig *o)
{
	__u32 slot = egret_dns_asker_slot(k);
	struct egret_dns_asker *a = bpf_map_lookup_elem(&egret_dns_askers, &slot);
	__u32 seq;

	if (!a)
		return;
	seq = a->seq;
	if ((seq & 1) || __sync_val_compare_and_swap(&a->seq, seq, seq + 1) != seq)
		return;
	__builtin_memcpy(&a->key, k, sizeof(*k));
	__builtin_memcpy(&a->orig, o, sizeof(*o));
	__sync_val_compare_and_swap(&a->seq, seq + 1, seq + 2); /* ours since the first swap: a fully ordered release */
}

/*
 * A packet on its way to the DNS proxy: file who sent it under the client's port, so the proxy can tell which
 * workload and process asked, exactly, however many queries are in flight.
 */
static __always_inline void egret_dns_attribute(struct __sk_buff *skb, __u8 family, __u8 proto, __u32 l4off,
						 int to_proxy, const __u8 *saddr16)
{
	struct egret_dns_client_key k = { .family = family, .proto = proto };
	struct egret_dns_orig *o;
	__u64 cookie;
	__u16 ports[2];

	if (!to_proxy || (proto != IPPROTO_UDP && proto != IPPROTO_TCP))
		return;
	if (bpf_skb_load_bytes(skb, l4off, ports, sizeof(ports)) < 0)
		return;
	cookie = bpf_get_socket_cookie(skb);
	o = bpf_map_lookup_elem(&egret_dns_socks, &cookie);
	if (!o)
		return;
	k.port = bpf_ntohs(ports[0]);
	__builtin_memcpy(k.addr, saddr16, 16);
	bpf_map_update_elem(&egret_dns_clients, &k, o, BPF_ANY);
	egret_dns_ask(&k, o);
}

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
	struct egret_dns_config *dns = egret_dns_proxy();

	sk = skb->sk;
	if (sk) {
		sk = bpf_sk_fullsock(sk);
		/* a TCP connection (judged at connect) that is not to the DNS proxy's port: count, nothing to read */
		if (sk && sk->protocol == IPPROTO_TCP && sk->type != 3 /* SOCK_RAW */ && (!dns || sk->dst_port != dns->port))
			return 1;
	}
	if (dns && skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr h;
		__u16 dport;

		if (bpf_skb_load_bytes(skb, 0, &h, sizeof(h)) == 0 &&
		    bpf_skb_load_bytes(skb, h.ihl * 4 + 2, &dport, 2) == 0) {
			__u8 src16[16];

			egret_map4(src16, h.saddr);
			egret_dns_attribute(skb, 4, h.protocol, h.ihl * 4, dport == dns->port &&
					    (h.daddr == dns->ip4 || (dns->pod_ip4 && h.daddr == dns->pod_ip4)), src16);
		}
	} else if (dns && skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr h;
		__u16 dport;

		if (bpf_skb_load_bytes(skb, 0, &h, sizeof(h)) == 0 &&
		    bpf_skb_load_bytes(skb, sizeof(h) + 2, &dport, 2) == 0)
			egret_dns_attribute(skb, 6, h.nexthdr, sizeof(h), dport == dns->port &&
					    egret_dns_is_proxy6((const __u8 *)&h.daddr, dns), (const __u8 *)&h.saddr);
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
		verdict = egret_decide4(wl->slot, cgid, ip.daddr, 0, proto, &reason);
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
			verdict = egret_decide4(wl->slot, cgid, ((__u32 *)addr16)[3], 0, proto, &reason);
		else
			verdict = egret_decide6(wl->slot, cgid, addr16, 0, proto, &reason);
		return egret_finish(cgid, wl, 6, addr16, 0, proto, EGRET_HOOK_SKB, verdict, reason, 0);
	}
	return 0; /* fail closed on anything else a policed workload sends */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
