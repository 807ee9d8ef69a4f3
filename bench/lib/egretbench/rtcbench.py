"""Resolve-then-connect: a policed workload resolves a name and at once connects to the answer's address. Every
address stays allowed for 1 s (policy minTTL = maxTTL = 1, agent grace 0) and the 10k names take longer than that
to come round again, so every loop's connect depends on the answer having been held until the address was in the
kernel. Target: zero failed first connects. The twin: dnsmasq writing answers into an nftables set (timeout 1 s)
that an output rule checks."""
from . import proc
from .stats import histogram, histogram_delta, histogram_quantile
from .world import CG_EGRET, CG_PEERS, EGRET_DNS


def run(w, cfg, log):
    loops, cap = cfg["rtc_loops"], cfg["rtc_max_seconds"]
    before = w.node_metrics()
    r = proc.run_json([w.tool("connbench"), "rtc", "-s", f"{EGRET_DNS}:53", "-f", w.names_file, "-n", loops,
                       "-d", cap, "-P", 9], cpus=w.p.generator, cgroup=CG_EGRET + "/rtc", timeout=cap + 120)
    after = w.node_metrics()
    hold = histogram_delta(histogram(after, "egret_dns_datapath_wait_seconds"),
                           histogram(before, "egret_dns_datapath_wait_seconds"))
    held = {q: (histogram_quantile(hold, v) or 0) * 1e6 for q, v in (("p50", .5), ("p90", .9), ("p99", .99))}
    held["mean"] = hold["sum"] / hold["count"] * 1e6 if hold["count"] else None
    log(f"  resolve-then-connect via Egret: {r['loops']} loops at {r['rate']:.0f}/s, failed first connects "
        f"{r['failed_first_connects']}, DNS failures {r['dns_errors'] + r['dns_timeouts']}, answer held p50 "
        f"{held['p50']:.0f} us p99 {held['p99']:.0f} us")
    twin = proc.run_json([w.tool("connbench"), "rtc", "-s", f"127.0.0.1:{w.nftset_port}", "-f", w.names_file,
                          "-n", min(loops, cfg["rtc_twin_loops"]), "-d", cap, "-P", 9],
                         cpus=w.p.generator, cgroup=CG_PEERS + "/dnsfw", timeout=cap + 120)
    log(f"  resolve-then-connect via dnsmasq+nftset: {twin['loops']} loops at {twin['rate']:.0f}/s, failed first "
        f"connects {twin['failed_first_connects']}")
    paths = {
        "egret": {"label": "Egret (answer held until the address is in the kernel)", "median": r["failed_first_connects"],
                  "min": r["failed_first_connects"], "max": r["failed_first_connects"], **_summary(r)},
        "dnsmasq-nftset": {"label": "dnsmasq + nftset (set timeout 1 s)", "median": twin["failed_first_connects"],
                           "min": twin["failed_first_connects"], "max": twin["failed_first_connects"], **_summary(twin)},
    }
    met = r["failed_first_connects"] == 0 and r["loops"] >= loops
    return {"benchmark": "resolve_then_connect", "title": "Resolve then connect: failed first connects",
            "unit": "failed first connects", "higher_is_better": False, "baseline": None, "paths": paths,
            "answer_held_us": held, "answers_held": hold["count"],
            "bars": [{"name": f"failed first connects in {loops} resolve-then-connect loops", "target": 0,
                      "measured": r["failed_first_connects"], "met": met, "kind": "max"}],
            "raw": {"egret": r, "dnsmasq-nftset": twin},
            "config": {"loops": loops, "twin_loops": min(loops, cfg["rtc_twin_loops"]), "names": w.zone_size,
                       "ttl": "upstream 0, clamped to 1 s by the policy; agent --dns-grace 0"}}


def _summary(r):
    return {"loops": r["loops"], "rate": r["rate"], "failed_first_connects": r["failed_first_connects"],
            "dns_failures": r["dns_errors"] + r["dns_timeouts"], "other_connect_errors": r["other_connect_errors"],
            "resolve_p50_us": (r["resolve_us"] or {}).get("p50"), "resolve_p99_us": (r["resolve_us"] or {}).get("p99"),
            "connect_p50_us": (r["connect_us"] or {}).get("p50")}
