/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Every map, pinned by name, so that the per-hook objects share them and a new agent adopts them. */
#ifndef EGRET_MAPS_H
#define EGRET_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "egret.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct egret_workload);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egret_workloads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__type(key, struct egret_lpm4_key);
	__type(value, struct egret_rule);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egret_allow4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__type(key, struct egret_lpm4_key);
	__type(value, struct egret_rule);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egret_deny4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__type(key, struct egret_lpm6_key);
	__type(value, struct egret_rule);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egret_allow6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__type(key, struct egret_lpm6_key);
	__type(value, struct egret_rule);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egret_deny6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct egret_learned_key);
	__type(value, struct egret_learned);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egret_learned SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct egret_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egret_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EGRET_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egret_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egret_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct egret_dns_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egret_dns_config SEC(".maps");

/*
 * Per-socket caches, LRU on purpose: an evicted entry only makes an old DNS socket's answer fail to match (the
 * query fails, closed), it never lets traffic through.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct egret_dns_orig);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egret_dns_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct egret_dns_client_key);
	__type(value, struct egret_dns_orig);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egret_dns_clients SEC(".maps");

/* Read by the proxy through mmap, written by cgroup_skb/egress under a per-slot seqlock (struct egret_dns_asker). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EGRET_DNS_ASKERS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct egret_dns_asker);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egret_dns_askers SEC(".maps");

#endif
