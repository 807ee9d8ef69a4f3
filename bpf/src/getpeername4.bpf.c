// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Connected DNS sockets see the resolver they asked as their peer (IPv4). */
#include "dns.h"

SEC("cgroup/getpeername4")
int egret_getpeername4(struct bpf_sock_addr *ctx)
{
	egret_dns_restore4(ctx);
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
