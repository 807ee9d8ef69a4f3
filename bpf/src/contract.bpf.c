// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Never loaded: a witness that puts every contract struct into BTF (the ring-buffer event has no map type to
 * carry it), so the Java layout test can check sizes and offsets against what the compiler produced.
 */
#include "maps.h"

struct egret_event egret_layout_event;
struct egret_workload egret_layout_workload;
struct egret_learned egret_layout_learned;
struct egret_learned_key egret_layout_learned_key;
struct egret_counters egret_layout_counters;
struct egret_lpm4_key egret_layout_lpm4;
struct egret_lpm6_key egret_layout_lpm6;
struct egret_dns_config egret_layout_dns_config;
struct egret_dns_orig egret_layout_dns_orig;
struct egret_dns_client_key egret_layout_dns_client_key;
struct egret_dns_asker egret_layout_dns_asker;

char LICENSE[] SEC("license") = "Dual BSD/GPL";
