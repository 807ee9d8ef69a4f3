/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Which workload, if any, the current task or packet belongs to: its cgroup or the nearest policed ancestor. */
#ifndef EGRET_WORKLOAD_H
#define EGRET_WORKLOAD_H

#include "maps.h"

static __always_inline struct egret_workload *egret_current_workload(__u64 *cgid)
{
	__u64 id = bpf_get_current_cgroup_id();
	struct egret_workload *wl = bpf_map_lookup_elem(&egret_workloads, &id);

	if (wl) {
		*cgid = id;
		return wl;
	}
	for (int level = EGRET_MAX_ANCESTORS; level >= 1; level--) {
		id = bpf_get_current_ancestor_cgroup_id(level);
		if (!id)
			continue;
		wl = bpf_map_lookup_elem(&egret_workloads, &id);
		if (wl) {
			*cgid = id;
			return wl;
		}
	}
	return 0;
}

static __always_inline struct egret_workload *egret_skb_workload(struct __sk_buff *skb, __u64 *cgid)
{
	__u64 id = bpf_skb_cgroup_id(skb);
	struct egret_workload *wl = bpf_map_lookup_elem(&egret_workloads, &id);

	if (wl) {
		*cgid = id;
		return wl;
	}
	for (int level = EGRET_MAX_ANCESTORS; level >= 1; level--) {
		id = bpf_skb_ancestor_cgroup_id(skb, level);
		if (!id)
			continue;
		wl = bpf_map_lookup_elem(&egret_workloads, &id);
		if (wl) {
			*cgid = id;
			return wl;
		}
	}
	return 0;
}

#endif
