// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Policed workloads may not open raw or packet sockets unless their policy allows it. */
#include <linux/socket.h>
#include "decide.h"
#include "workload.h"

#ifndef AF_PACKET
#define AF_PACKET 17
#endif
#ifndef SOCK_RAW
#define SOCK_RAW 3
#endif

SEC("cgroup/sock_create")
int egret_sock_create(struct bpf_sock *ctx)
{
	__u64 cgid = 0;
	struct egret_workload *wl;
	__u8 addr16[16] = {};

	if (ctx->type != SOCK_RAW && ctx->family != AF_PACKET)
		return 1;
	wl = egret_current_workload(&cgid);
	if (!wl || (wl->flags & EGRET_WL_ALLOW_RAW))
		return 1;
	return egret_finish(cgid, wl, ctx->family == AF_PACKET ? 0 : (ctx->family == 10 ? 6 : 4), addr16, 0,
			    (__u8)ctx->protocol, EGRET_HOOK_SOCK_CREATE, EGRET_VERDICT_DENY, EGRET_REASON_RAW_SOCKET, 1);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
