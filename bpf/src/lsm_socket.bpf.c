// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Packet sockets (AF_PACKET) bypass the inet hooks, so a per-cgroup LSM hook refuses them, and raw inet sockets,
 * to policed workloads whose policy does not allow raw sockets.
 */
#include "decide.h"
#include "workload.h"
#include <bpf/bpf_tracing.h>

#define EGRET_AF_PACKET 17
#define EGRET_SOCK_RAW 3
#define EGRET_SOCK_TYPE_MASK 0xf

SEC("lsm_cgroup/socket_create")
int BPF_PROG(egret_lsm_socket_create, int family, int type, int protocol, int kern)
{
	__u64 cgid = 0;
	struct egret_workload *wl;
	__u8 addr16[16] = {};

	if (kern)
		return 1;
	if (family != EGRET_AF_PACKET && (type & EGRET_SOCK_TYPE_MASK) != EGRET_SOCK_RAW)
		return 1;
	wl = egret_current_workload(&cgid);
	if (!wl || (wl->flags & EGRET_WL_ALLOW_RAW))
		return 1;
	return egret_finish(cgid, wl, family == EGRET_AF_PACKET ? 0 : (family == 10 ? 6 : 4), addr16, 0,
			    (__u8)protocol, EGRET_HOOK_SOCK_CREATE, EGRET_VERDICT_DENY, EGRET_REASON_RAW_SOCKET, 1);
}

char LICENSE[] SEC("license") = "GPL";
