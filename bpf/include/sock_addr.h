/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* connect and sendmsg verdicts for IPv4 and IPv6 (IPv4-mapped IPv6 destinations are judged as IPv4). */
#ifndef EGRET_SOCK_ADDR_H
#define EGRET_SOCK_ADDR_H

#include "decide.h"
#include "dns.h"
#include "workload.h"

static __always_inline int egret_sock_addr4(struct bpf_sock_addr *ctx, __u8 hook)
{
	__u64 cgid = 0;
	struct egret_workload *wl = egret_current_workload(&cgid);

	if (!wl)
		return 1;
	if (egret_dns_redirect4(ctx, cgid))
		return 1; /* the DNS proxy decides */
	__u32 ip4 = ctx->user_ip4;
	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	__u8 proto = (__u8)ctx->protocol;
	__u8 reason = 0;
	__u8 addr16[16];
	int verdict = egret_decide4(wl->slot, cgid, ip4, port, proto, &reason);

	egret_map4(addr16, ip4);
	return egret_finish(cgid, wl, 4, addr16, port, proto, hook, verdict, reason, 1);
}

static __always_inline int egret_sock_addr6(struct bpf_sock_addr *ctx, __u8 hook)
{
	__u64 cgid = 0;
	struct egret_workload *wl = egret_current_workload(&cgid);

	if (!wl)
		return 1;
	__u32 ip6[4];
	__u8 addr16[16];
	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	__u8 proto = (__u8)ctx->protocol;
	__u8 reason = 0;
	int verdict;

	ip6[0] = ctx->user_ip6[0];
	ip6[1] = ctx->user_ip6[1];
	ip6[2] = ctx->user_ip6[2];
	ip6[3] = ctx->user_ip6[3];
	if (egret_dns_redirect6(ctx, cgid, ip6))
		return 1; /* the DNS proxy decides */
	__builtin_memcpy(addr16, ip6, 16);
	if (egret_is_mapped4(ip6)) {
		verdict = egret_decide4(wl->slot, cgid, ip6[3], port, proto, &reason);
		return egret_finish(cgid, wl, 4, addr16, port, proto, hook, verdict, reason, 1);
	}
	verdict = egret_decide6(wl->slot, cgid, addr16, port, proto, &reason);
	return egret_finish(cgid, wl, 6, addr16, port, proto, hook, verdict, reason, 1);
}

#endif
