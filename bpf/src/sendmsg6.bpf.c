// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Unconnected UDP over IPv6. */
#include "sock_addr.h"

SEC("cgroup/sendmsg6")
int egret_sendmsg6(struct bpf_sock_addr *ctx)
{
	return egret_sock_addr6(ctx, EGRET_HOOK_SENDMSG6);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
