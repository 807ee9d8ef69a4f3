// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Answers of the DNS proxy to unconnected UDP sockets appear to come from the resolver asked (IPv4). */
#include "dns.h"

SEC("cgroup/recvmsg4")
int egret_recvmsg4(struct bpf_sock_addr *ctx)
{
	egret_dns_restore4(ctx);
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
