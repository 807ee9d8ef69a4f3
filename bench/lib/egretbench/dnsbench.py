"""DNS throughput and latency: dnsperf directly against the upstream, through dnsmasq (plain forwarder), through
dnsmasq with a 1000-domain allow list writing answers into an nftables set, and through Egret's proxy (a policed
workload's queries redirected by the cgroup hooks)."""
import re
import time

from . import proc
from .stats import (histogram, histogram_delta, histogram_quantile, interleaved, median, metric_sum,
                    paired_ratios, quantile, spread)
from .report import fmt
from .world import CG_EGRET, CG_PEERS, EGRET_DNS

PATHS = ["direct", "dnsmasq", "dnsmasq-nftset", "egret"]
LABELS = {"direct": "direct to the upstream", "dnsmasq": "dnsmasq forwarder (no cache)",
          "dnsmasq-nftset": "dnsmasq + 1000-domain allow list + nftset", "egret": "Egret proxy (1000 patterns)"}


def target(w, path):
    """(server address, port, the client's cgroup, the server's pid)."""
    if path == "egret":
        return EGRET_DNS, 53, CG_EGRET + "/dns", w.node.pid
    port = {"direct": "upstream_port", "dnsmasq": "fw_port", "dnsmasq-nftset": "nftset_port"}[path]
    return "127.0.0.1", getattr(w, port), CG_PEERS + "/none", w.procs["upstream" if path == "direct" else path].pid


def _num(pattern, text, default=None):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else default


def dnsperf(w, path, seconds, rate=None, verbose=False):
    host, port, cg, pid = target(w, path)
    cmd = ["dnsperf", "-s", host, "-p", port, "-d", w.path("queries.txt"), "-l", seconds, "-c", "4", "-t", "2"]
    if rate:
        cmd += ["-Q", rate, "-q", "500"]
    else:
        cmd += ["-q", "100"]
    if verbose:
        cmd += ["-v"]
    cpu0 = proc.cpu_seconds(pid)
    out = proc.run(cmd, cpus=w.p.generator, cgroup=cg, timeout=seconds + 60)
    cpu = proc.cpu_seconds(pid) - cpu0
    completed = _num(r"Queries completed:\s+(\d+)", out, 0)
    rcodes = dict((k, int(v)) for k, v in re.findall(r"(\w+) (\d+) \(", out.split("Response codes:")[1].split("\n")[0])) \
        if "Response codes:" in out else {}
    r = {"qps": _num(r"Queries per second:\s+([\d.]+)", out, 0.0), "completed": int(completed),
         "lost": int(_num(r"Queries lost:\s+(\d+)", out, 0)), "rcodes": rcodes,
         "noerror_share": rcodes.get("NOERROR", 0) / completed if completed else 0.0,
         "server_cpu_s": round(cpu, 3),
         "cpu_us_per_query": round(cpu / completed * 1e6, 2) if completed else None}
    if verbose:
        lat = [float(m) * 1e6 for m in re.findall(r"^> \w+ \S+ \S+ ([\d.]+)$", out, re.M)]
        r["latency_us"] = {"n": len(lat), "p50": quantile(lat, .5), "p90": quantile(lat, .9),
                           "p99": quantile(lat, .99), "mean": sum(lat) / len(lat) if lat else None}
    return r


def warm_up(w, max_seconds, log):
    """The JVM compiles the proxy's path under load: load it in 4 s steps until two steps agree within 10% (at
    most max_seconds). The peers need no warm-up but get one second each."""
    prev, spent, steps = None, 0, []
    while spent < max_seconds:
        q = dnsperf(w, "egret", 4)["qps"]
        spent += 4
        steps.append(round(q))
        if prev and abs(q - prev) <= 0.1 * prev:
            break
        prev = q
    log(f"  egret DNS warm-up: {steps} q/s in 4 s steps")
    for p in PATHS[:-1]:
        dnsperf(w, p, 1)
    return steps


def throughput(w, cfg, log, warmup=None):
    def measure(p, r):
        x = dnsperf(w, p, cfg["dns_seconds"])
        log(f"  dns throughput round {r + 1} {p}: {x['qps']:.0f} q/s, {x['cpu_us_per_query']} us CPU/query, "
            f"NOERROR {x['noerror_share']:.1%}")
        return x
    rounds = interleaved(PATHS, cfg["dns_rounds"], measure)
    paths = {}
    for p in PATHS:
        qps = [r[p]["qps"] for r in rounds]
        lo, hi = spread(qps)
        paths[p] = {"label": LABELS[p], "median": median(qps), "min": lo, "max": hi, "runs": qps,
                    "cpu_us_per_query": median([r[p]["cpu_us_per_query"] for r in rounds]),
                    "noerror_share": median([r[p]["noerror_share"] for r in rounds]),
                    "lost": sum(r[p]["lost"] for r in rounds)}
    ratios = {}
    for a, b in [("egret", "dnsmasq"), ("egret", "dnsmasq-nftset"), ("egret", "direct"), ("dnsmasq", "direct"),
                 ("dnsmasq-nftset", "direct")]:
        rs = paired_ratios(rounds, a, b, "qps")
        ratios[f"{a}/{b}"] = {"median": median(rs), "runs": rs}
    cpu_ratio = {f"egret/{b}": paths["egret"]["cpu_us_per_query"] / paths[b]["cpu_us_per_query"]
                 for b in ("dnsmasq", "dnsmasq-nftset") if paths[b]["cpu_us_per_query"]}
    bars = [{"name": "Egret DNS QPS vs dnsmasq plain forwarding", "target": 2.0,
             "measured": ratios["egret/dnsmasq"]["median"]},
            {"name": "Egret DNS QPS vs dnsmasq with nftset", "target": 3.0,
             "measured": ratios["egret/dnsmasq-nftset"]["median"]}]
    for b in bars:
        b["met"] = b["measured"] is not None and b["measured"] >= b["target"]
    return {"benchmark": "dns_throughput", "title": "DNS throughput (dnsperf, unlimited rate)", "unit": "queries/s",
            "higher_is_better": True, "baseline": "dnsmasq", "paths": paths, "ratios": ratios,
            "cpu_per_query_ratio": cpu_ratio, "bars": bars, "rounds": rounds,
            "warmup_qps": warmup,
            "config": {"seconds": cfg["dns_seconds"], "rounds": cfg["dns_rounds"], "dnsperf": "-c 4 -q 100 -t 2",
                       "zone": "10k names, TTL 0", "allow_list": "1000 domains / patterns"}}


def _agent_hist(w):
    m = w.node_metrics()
    return {"wait": histogram(m, "egret_dns_datapath_wait_seconds"),
            "upstream": histogram(m, "egret_dns_upstream_duration_seconds"),
            "errors": metric_sum(m, "egret_dns_errors_total") or 0}


def latency(w, cfg, log):
    rate = cfg["dns_rate"]
    rounds = []
    agent = []
    for r in range(cfg["lat_rounds"]):
        res = {}
        for p in PATHS:
            before = _agent_hist(w) if p == "egret" else None
            res[p] = dnsperf(w, p, cfg["lat_seconds"], rate=rate, verbose=True)
            if before:
                after = _agent_hist(w)
                wait = histogram_delta(after["wait"], before["wait"])
                up = histogram_delta(after["upstream"], before["upstream"])
                agent.append({"wait": wait, "upstream": up, "errors": after["errors"] - before["errors"],
                              "client_mean_us": res[p]["latency_us"]["mean"]})
            lat = res[p]["latency_us"]
            log(f"  dns latency round {r + 1} {p}: p50 {fmt(lat['p50'])} us, p90 {fmt(lat['p90'])} us, "
                f"p99 {fmt(lat['p99'])} us at {rate} q/s, NOERROR {res[p]['noerror_share']:.1%}")
        rounds.append(res)
    paths = {}
    for p in PATHS:
        pct = {q: median([r[p]["latency_us"][q] for r in rounds]) for q in ("p50", "p90", "p99", "mean")}
        added = {q: median([r[p]["latency_us"][q] - r["direct"]["latency_us"][q] for r in rounds
                            if r[p]["latency_us"][q] is not None and r["direct"]["latency_us"][q] is not None])
                 for q in ("p50", "p90", "p99")}
        lo, hi = spread([r[p]["latency_us"]["p50"] for r in rounds])
        paths[p] = {"label": LABELS[p], "median": pct["p50"], "min": lo, "max": hi, "p50": pct["p50"],
                    "p90": pct["p90"], "p99": pct["p99"], "mean": pct["mean"], "added_p50": added["p50"],
                    "added_p90": added["p90"], "added_p99": added["p99"],
                    "noerror_share": median([r[p]["noerror_share"] for r in rounds])}
    # the agent's own time: from its metrics over the Egret runs
    wait_all = {"buckets": [], "count": 0, "sum": 0}
    for a in agent:
        if not wait_all["buckets"]:
            wait_all = a["wait"]
        else:
            d = dict(a["wait"]["buckets"])
            wait_all = {"buckets": [(le, c + d.get(le, 0)) for le, c in wait_all["buckets"]],
                        "count": wait_all["count"] + a["wait"]["count"], "sum": wait_all["sum"] + a["wait"]["sum"]}
    up_mean = [a["upstream"]["sum"] / a["upstream"]["count"] * 1e6 for a in agent if a["upstream"]["count"]]
    own = [a["client_mean_us"] - a["upstream"]["sum"] / a["upstream"]["count"] * 1e6
           for a in agent if a["upstream"]["count"] and a["client_mean_us"] is not None]
    agent_time = {
        "answer_hold_us": {q: (histogram_quantile(wait_all, v) or 0) * 1e6 for q, v in
                           (("p50", .5), ("p90", .9), ("p99", .99))} if wait_all["count"] else None,
        "answer_hold_mean_us": wait_all["sum"] / wait_all["count"] * 1e6 if wait_all["count"] else None,
        "upstream_mean_us": median(up_mean),
        "query_to_release_mean_us": median(own),
        "dns_errors": sum(a["errors"] for a in agent),
    }
    return {"benchmark": "dns_latency", "title": f"DNS latency at {rate} queries/s (dnsperf -Q)", "unit": "us (p50)",
            "higher_is_better": False, "baseline": None, "paths": paths, "agent": agent_time,
            "rounds": [{p: {k: v for k, v in r[p].items()} for p in PATHS} for r in rounds],
            "config": {"rate": rate, "seconds": cfg["lat_seconds"], "rounds": cfg["lat_rounds"]}}
