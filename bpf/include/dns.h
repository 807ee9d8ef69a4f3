/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * DNS redirect: a policed workload's port-53 traffic (UDP and TCP, any resolver, both families) goes to the node's
 * DNS proxy; recvmsg and getpeername make the answers appear to come from the resolver the client asked.
 */
#ifndef EGRET_DNS_H
#define EGRET_DNS_H

#include <bpf/bpf_core_read.h>
#include "decide.h"

static __always_inline struct egret_dns_config *egret_dns_proxy(void)
{
	__u32 zero = 0;
	struct egret_dns_config *c = bpf_map_lookup_elem(&egret_dns_config, &zero);

	return c && c->port ? c : 0;
}

static __always_inline int egret_ip6_eq(const __u8 *a, const __u8 *b)
{
	__u32 x[4], y[4];

	__builtin_memcpy(x, a, 16);
	__builtin_memcpy(y, b, 16);
	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

static __always_inline int egret_is_dns(struct bpf_sock_addr *ctx)
{
	return ctx->user_port == bpf_htons(53) &&
	       (ctx->protocol == IPPROTO_UDP || ctx->protocol == IPPROTO_TCP);
}

/* The fields of the kernel's task_struct read here; CO-RE finds their offsets in the running kernel's BTF. */
struct task_struct {
	struct task_struct *group_leader;
	char comm[EGRET_COMM_LEN];
} __attribute__((preserve_access_index));

/*
 * The command of the current process, as /proc/<pid>/comm shows it: the thread group leader's comm (a resolver
 * often runs in a thread with a name of its own, e.g. dig's isc-net-0000). Falls back to the thread's own comm.
 */
static __always_inline void egret_process_comm(char *comm)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);

	if (!leader || bpf_probe_read_kernel_str(comm, EGRET_COMM_LEN, &leader->comm) <= 0)
		bpf_get_current_comm(comm, EGRET_COMM_LEN);
}

static __always_inline void egret_dns_remember(struct bpf_sock_addr *ctx, __u64 cgid, __u8 family, const __u8 *addr16)
{
	struct egret_dns_orig o = {};
	__u64 cookie = bpf_get_socket_cookie(ctx);

	o.cgroup_id = cgid;
	o.pid = bpf_get_current_pid_tgid() >> 32;
	egret_process_comm(o.comm);
	o.family = family;
	__builtin_memcpy(o.addr, addr16, 16);
	o.port = (__u16)ctx->user_port;
	bpf_map_update_elem(&egret_dns_socks, &cookie, &o, BPF_ANY);
}

/* True for a socket in another network namespace than the proxy's (a pod's), which the node's loopback cannot reach. */
static __always_inline int egret_dns_elsewhere(struct bpf_sock_addr *ctx, const struct egret_dns_config *c)
{
	return c->host_netns && bpf_get_netns_cookie(ctx) != c->host_netns;
}

/* The proxy's IPv4 address as this socket can reach it. */
static __always_inline __u32 egret_dns_target4(struct bpf_sock_addr *ctx, const struct egret_dns_config *c)
{
	return c->pod_ip4 && egret_dns_elsewhere(ctx, c) ? c->pod_ip4 : c->ip4;
}

static __always_inline int egret_is_zero16(const __u8 *a)
{
	__u32 x[4];

	__builtin_memcpy(x, a, 16);
	return (x[0] | x[1] | x[2] | x[3]) == 0;
}

/* Rewrites an IPv4 DNS destination to the proxy. Returns 1 when redirected. */
static __always_inline int egret_dns_redirect4(struct bpf_sock_addr *ctx, __u64 cgid)
{
	struct egret_dns_config *c = egret_dns_proxy();
	__u8 addr16[16];

	if (!c || !egret_is_dns(ctx))
		return 0;
	egret_map4(addr16, ctx->user_ip4);
	egret_dns_remember(ctx, cgid, 4, addr16);
	ctx->user_ip4 = egret_dns_target4(ctx, c);
	ctx->user_port = c->port;
	return 1;
}

/* Rewrites an IPv6 (or IPv4-mapped) DNS destination to the proxy. Returns 1 when redirected. */
static __always_inline int egret_dns_redirect6(struct bpf_sock_addr *ctx, __u64 cgid, const __u32 *ip6)
{
	struct egret_dns_config *c = egret_dns_proxy();
	__u8 addr16[16];

	if (!c || !egret_is_dns(ctx))
		return 0;
	__builtin_memcpy(addr16, ip6, 16);
	if (egret_is_mapped4(ip6)) {
		egret_dns_remember(ctx, cgid, 4, addr16);
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = bpf_htonl(0x0000ffff);
		ctx->user_ip6[3] = egret_dns_target4(ctx, c);
	} else {
		__u32 p[4];

		egret_dns_remember(ctx, cgid, 6, addr16);
		if (!egret_is_zero16(c->pod_ip6) && egret_dns_elsewhere(ctx, c))
			__builtin_memcpy(p, c->pod_ip6, 16);
		else
			__builtin_memcpy(p, c->ip6, 16);
		ctx->user_ip6[0] = p[0];
		ctx->user_ip6[1] = p[1];
		ctx->user_ip6[2] = p[2];
		ctx->user_ip6[3] = p[3];
	}
	ctx->user_port = c->port;
	return 1;
}

/* recvmsg4 / getpeername4: a message from the proxy appears to come from the resolver asked. */
static __always_inline void egret_dns_restore4(struct bpf_sock_addr *ctx)
{
	struct egret_dns_config *c = egret_dns_proxy();
	__u64 cookie;
	struct egret_dns_orig *o;

	if (!c || ctx->user_port != c->port || (ctx->user_ip4 != c->ip4 && (!c->pod_ip4 || ctx->user_ip4 != c->pod_ip4)))
		return;
	cookie = bpf_get_socket_cookie(ctx);
	o = bpf_map_lookup_elem(&egret_dns_socks, &cookie);
	if (!o || o->family != 4)
		return;
	ctx->user_ip4 = *(__u32 *)(o->addr + 12);
	ctx->user_port = o->port;
}

/* True when an IPv6 address is one the proxy listens on (its loopback one, or the pods' one when set). */
static __always_inline int egret_dns_is_proxy6(const __u8 *a, const struct egret_dns_config *c)
{
	return egret_ip6_eq(a, c->ip6) || (!egret_is_zero16(c->pod_ip6) && egret_ip6_eq(a, c->pod_ip6));
}

/* recvmsg6 / getpeername6: both native IPv6 and IPv4-mapped answers from the proxy. */
static __always_inline void egret_dns_restore6(struct bpf_sock_addr *ctx)
{
	struct egret_dns_config *c = egret_dns_proxy();
	__u64 cookie;
	struct egret_dns_orig *o;
	__u32 ip6[4];
	__u32 p[4];

	if (!c || ctx->user_port != c->port)
		return;
	ip6[0] = ctx->user_ip6[0];
	ip6[1] = ctx->user_ip6[1];
	ip6[2] = ctx->user_ip6[2];
	ip6[3] = ctx->user_ip6[3];
	if (egret_is_mapped4(ip6)) {
		if (ip6[3] != c->ip4 && (!c->pod_ip4 || ip6[3] != c->pod_ip4))
			return;
	} else if (!egret_dns_is_proxy6((const __u8 *)ip6, c)) {
		return;
	}
	cookie = bpf_get_socket_cookie(ctx);
	o = bpf_map_lookup_elem(&egret_dns_socks, &cookie);
	if (!o)
		return;
	__builtin_memcpy(p, o->addr, 16);
	ctx->user_ip6[0] = p[0];
	ctx->user_ip6[1] = p[1];
	ctx->user_ip6[2] = p[2];
	ctx->user_ip6[3] = p[3];
	ctx->user_port = o->port;
}

#endif
