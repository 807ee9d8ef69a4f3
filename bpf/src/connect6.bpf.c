// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* TCP connects and connected UDP over IPv6, including IPv4-mapped destinations of dual-stack sockets. */
#include "sock_addr.h"

SEC("cgroup/connect6")
int egret_connect6(struct bpf_sock_addr *ctx)
{
	return egret_sock_addr6(ctx, EGRET_HOOK_CONNECT6);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
