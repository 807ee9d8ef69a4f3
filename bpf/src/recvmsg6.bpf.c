// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Answers of the DNS proxy to unconnected UDP sockets appear to come from the resolver asked (IPv6, IPv4-mapped). */
#include "dns.h"

SEC("cgroup/recvmsg6")
int egret_recvmsg6(struct bpf_sock_addr *ctx)
{
	egret_dns_restore6(ctx);
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
