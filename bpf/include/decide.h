/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The verdict: deny rules, then allow rules, then learned IPs, else deny. Shared by every hook. */
#ifndef EGRET_DECIDE_H
#define EGRET_DECIDE_H

#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include "maps.h"

static __always_inline int egret_ports_match(const struct egret_rule *r, __u16 port, __u8 proto)
{
	__u32 n = r->count;

	for (int i = 0; i < EGRET_MAX_PORT_RANGES; i++) {
		if (i >= n)
			break;
		const struct egret_port_range *pr = &r->ranges[i];

		if (pr->proto == EGRET_PROTO_ALL)
			return 1;
		if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
			continue;
		if (pr->proto != EGRET_PROTO_ANY && pr->proto != proto)
			continue;
		if (port >= pr->lo && port <= pr->hi)
			return 1;
	}
	return 0;
}

static __always_inline void egret_map4(__u8 *addr16, __u32 ip4)
{
	__builtin_memset(addr16, 0, 10);
	addr16[10] = 0xff;
	addr16[11] = 0xff;
	__builtin_memcpy(addr16 + 12, &ip4, 4);
}

/* cgid: the bound cgroup (the workload), whose own DNS answers taught the address. */
static __always_inline int egret_learned_allows(__u64 cgid, const __u8 *addr16, __u16 port, __u8 proto)
{
	struct egret_learned_key lk = { .cgroup_id = cgid };

	__builtin_memcpy(lk.addr, addr16, 16);
	struct egret_learned *l = bpf_map_lookup_elem(&egret_learned, &lk);

	return l && l->expires_ns > bpf_ktime_get_ns() && egret_ports_match(&l->ports, port, proto);
}

/*
 * ip4 in network order; slot keys the rules, cgid (the bound cgroup) the learned IPs. Returns the verdict before
 * audit mode; sets *reason.
 */
static __always_inline int egret_decide4(__u32 slot, __u64 cgid, __u32 ip4, __u16 port, __u8 proto, __u8 *reason)
{
	struct egret_lpm4_key k = { .prefixlen = 64, .slot = bpf_htonl(slot) };
	struct egret_rule *r;
	__u8 addr16[16];

	__builtin_memcpy(k.addr, &ip4, 4);
	r = bpf_map_lookup_elem(&egret_deny4, &k);
	if (r && egret_ports_match(r, port, proto)) {
		*reason = EGRET_REASON_DENY_RULE;
		return EGRET_VERDICT_DENY;
	}
	r = bpf_map_lookup_elem(&egret_allow4, &k);
	if (r && egret_ports_match(r, port, proto)) {
		*reason = EGRET_REASON_ALLOW_RULE;
		return EGRET_VERDICT_ALLOW;
	}
	egret_map4(addr16, ip4);
	if (egret_learned_allows(cgid, addr16, port, proto)) {
		*reason = EGRET_REASON_LEARNED;
		return EGRET_VERDICT_ALLOW;
	}
	*reason = EGRET_REASON_DEFAULT_DENY;
	return EGRET_VERDICT_DENY;
}

static __always_inline int egret_decide6(__u32 slot, __u64 cgid, const __u8 *addr16, __u16 port, __u8 proto, __u8 *reason)
{
	struct egret_lpm6_key k = { .prefixlen = 160, .slot = bpf_htonl(slot) };
	struct egret_rule *r;

	__builtin_memcpy(k.addr, addr16, 16);
	r = bpf_map_lookup_elem(&egret_deny6, &k);
	if (r && egret_ports_match(r, port, proto)) {
		*reason = EGRET_REASON_DENY_RULE;
		return EGRET_VERDICT_DENY;
	}
	r = bpf_map_lookup_elem(&egret_allow6, &k);
	if (r && egret_ports_match(r, port, proto)) {
		*reason = EGRET_REASON_ALLOW_RULE;
		return EGRET_VERDICT_ALLOW;
	}
	if (egret_learned_allows(cgid, addr16, port, proto)) {
		*reason = EGRET_REASON_LEARNED;
		return EGRET_VERDICT_ALLOW;
	}
	*reason = EGRET_REASON_DEFAULT_DENY;
	return EGRET_VERDICT_DENY;
}

static __always_inline int egret_is_mapped4(const __u32 *ip6)
{
	return ip6[0] == 0 && ip6[1] == 0 && ip6[2] == bpf_htonl(0x0000ffff);
}

static __always_inline void egret_count(__u64 cgid, int verdict)
{
	struct egret_counters *c = bpf_map_lookup_elem(&egret_counters, &cgid);

	if (!c)
		return;
	if (verdict == EGRET_VERDICT_ALLOW)
		__sync_fetch_and_add(&c->allowed, 1);
	else if (verdict == EGRET_VERDICT_DENY)
		__sync_fetch_and_add(&c->denied, 1);
	else
		__sync_fetch_and_add(&c->audited, 1);
}

static __always_inline void egret_emit(__u64 cgid, const struct egret_workload *wl, __u8 family,
				       const __u8 *addr16, __u16 port, __u8 proto, __u8 hook, __u8 verdict,
				       __u8 reason, int has_task)
{
	struct egret_event *e = bpf_ringbuf_reserve(&egret_events, sizeof(*e), 0);

	if (!e) {
		__u32 idx = EGRET_STAT_EVENTS_LOST;
		__u64 *lost = bpf_map_lookup_elem(&egret_stats, &idx);

		if (lost)
			__sync_fetch_and_add(lost, 1);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->cgroup_id = cgid;
	e->slot = wl->slot;
	if (has_task) {
		e->pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	} else {
		e->pid = 0;
		__builtin_memset(e->comm, 0, sizeof(e->comm));
	}
	__builtin_memcpy(e->addr, addr16, 16);
	e->port = port;
	e->family = family;
	e->proto = proto;
	e->hook = hook;
	e->verdict = verdict;
	e->reason = reason;
	e->pad = 0;
	/* Allowed connects (reported for the audit) do not wake the reader, which drains them on its next poll
	 * (at least every 100 ms); a wakeup per allowed connect cost the connecting task an IPI and the agent a
	 * context switch. Other events wake a reader that has caught up (the default, adaptive). */
	bpf_ringbuf_submit(e, verdict == EGRET_VERDICT_ALLOW ? BPF_RB_NO_WAKEUP : 0);
}

/* The final verdict after audit mode, with the event and counters; returns 1 to let the operation through. */
static __always_inline int egret_finish(__u64 cgid, const struct egret_workload *wl, __u8 family,
					const __u8 *addr16, __u16 port, __u8 proto, __u8 hook, int verdict,
					__u8 reason, int has_task)
{
	if (verdict == EGRET_VERDICT_DENY && wl->mode == EGRET_MODE_AUDIT)
		verdict = EGRET_VERDICT_AUDIT_DENY;
	egret_count(cgid, verdict);
	if (verdict != EGRET_VERDICT_ALLOW || (wl->flags & EGRET_WL_REPORT_ALLOWED))
		egret_emit(cgid, wl, family, addr16, port, proto, hook, verdict, reason, has_task);
	return verdict != EGRET_VERDICT_DENY;
}

#endif
