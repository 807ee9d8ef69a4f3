// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Unconnected UDP over IPv4. */
#include "sock_addr.h"

SEC("cgroup/sendmsg4")
int egret_sendmsg4(struct bpf_sock_addr *ctx)
{
	return egret_sock_addr4(ctx, EGRET_HOOK_SENDMSG4);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
