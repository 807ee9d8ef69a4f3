// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Connected DNS sockets see the resolver they asked as their peer (IPv6, IPv4-mapped). */
#include "dns.h"

SEC("cgroup/getpeername6")
int egret_getpeername6(struct bpf_sock_addr *ctx)
{
	egret_dns_restore6(ctx);
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
