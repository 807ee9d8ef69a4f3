"""Connection setup (sequential connect, one-byte echo, close) and bulk throughput on loopback: no policy; Egret
with 10k CIDR entries and 10k learned addresses (a CIDR hit and a learned hit); an nftables set of the same size;
squid as an HTTP CONNECT sidecar with the same allow list; haproxy forwarding to a fixed backend."""
from . import proc
from .stats import interleaved, median, paired_ratios, spread
from .world import CG_EGRET, CG_PEERS, EGRET_DNS, LEARNED_TARGET

PATHS = ["none", "egret-cidr", "egret-learned", "nft-set", "squid-connect", "haproxy"]
LABELS = {"none": "no policy", "egret-cidr": "Egret, CIDR hit (10k CIDRs + 10k learned)",
          "egret-learned": "Egret, learned-IP hit (10k CIDRs + 10k learned)",
          "nft-set": "nftables set, 20k entries, per packet", "squid-connect": "squid HTTP CONNECT, same allow list",
          "haproxy": "haproxy TCP forward (fixed backend)"}


def fill_learned(w, log):
    """The conn workload resolves every zone name once (and echo.bench), so the learned map holds 10k entries."""
    names = w.path("names-conn.txt")
    with open(w.names_file) as src, open(names, "w") as dst:
        dst.write("echo.bench\n" + src.read())
    r = proc.run_json([w.tool("connbench"), "rtc", "-R", "-s", f"{EGRET_DNS}:53", "-f", names,
                       "-n", w.zone_size + 1, "-d", 300], cpus=w.p.generator, cgroup=CG_EGRET + "/conn", timeout=400)
    learned = None
    for n, l, v in w.node_metrics():
        if n == "egret_bpf_map_entries" and l.get("map") == "egret_learned":
            learned = v
    log(f"  learned map filled: {r['loops']} names resolved in {r['seconds']:.1f} s, "
        f"{r['dns_errors'] + r['dns_timeouts']} failed; learned map entries (as last reported): {learned}")
    return {"resolved": r["loops"], "failed": r["dns_errors"] + r["dns_timeouts"], "learned_metric": learned}


def _args(w, path, bulk):
    port = w.sink_port if bulk else w.echo_port
    if path == "none":
        return [f"127.0.0.1:{port}"], CG_PEERS + "/none"
    if path == "egret-cidr":
        return [f"127.0.0.1:{port}"], CG_EGRET + "/conn"
    if path == "egret-learned":
        return [f"{LEARNED_TARGET}:{port}"], CG_EGRET + "/conn"
    if path == "nft-set":
        return [f"127.0.0.1:{port}"], CG_PEERS + "/nft"
    if path == "squid-connect":
        return [f"127.0.0.1:{port}", "-x", f"127.0.0.1:{w.squid_port}"], CG_PEERS + "/none"
    if path == "haproxy":
        return [f"127.0.0.1:{w.haproxy_bulk_port if bulk else w.haproxy_port}"], CG_PEERS + "/none"
    raise ValueError(path)


def one(w, path, seconds, bulk=False):
    target, cg = _args(w, path, bulk)
    cmd = [w.tool("connbench"), "bulk" if bulk else "conn", "-t"] + target + ["-d", seconds]
    return proc.run_json(cmd, cpus=w.p.generator, cgroup=cg, timeout=seconds + 60, check=False)


def _nft_counter(table):
    import re
    import subprocess
    out = subprocess.run(["nft", "list", "table", "inet", table], capture_output=True, text=True).stdout
    m = re.search(r"counter packets (\d+)", out)
    return int(m.group(1)) if m else None


def check_policies(w):
    """Each path must really enforce: a destination off the allow list is refused there."""
    problems = []
    probe = [w.tool("connbench"), "conn", "-t", f"127.0.0.9:{w.echo_port}", "-d", "0.2"]
    r = proc.run_json(probe, cpus=w.p.generator, cgroup=CG_EGRET + "/conn", check=False)
    if r["ok"] or "EPERM" not in r["errors"]:
        problems.append(f"egret: a connect to 127.0.0.9 was not refused ({r['errors']})")
    before = _nft_counter("egretbench_conn")
    proc.run_json(probe, cpus=w.p.generator, cgroup=CG_PEERS + "/nft", check=False)
    if not _nft_counter("egretbench_conn") or _nft_counter("egretbench_conn") == before:
        problems.append("nft-set: the rule did not match a connect to 127.0.0.9")
    r = proc.run_json(probe + ["-x", f"127.0.0.1:{w.squid_port}"], cpus=w.p.generator, check=False)
    if r["ok"] or "EACCES" not in r["errors"]:
        problems.append(f"squid: CONNECT to 127.0.0.9 was not refused ({r['errors']})")
    return problems


def setup_rate(w, cfg, log):
    for p in PATHS:  # warm-up: caches, the proxies' pools, the agent's event path
        one(w, p, 1)
    node_cpu0 = proc.cpu_seconds(w.node.pid)
    lost0 = _events_lost(w)
    def measure(p, r):
        cpu0 = proc.cpu_seconds(w.node.pid)
        x = one(w, p, cfg["conn_seconds"])
        res = {"rate": x["rate"], "p50_us": (x["lat_us"] or {}).get("p50"), "p99_us": (x["lat_us"] or {}).get("p99"),
               "failed": x["failed"], "errors": x["errors"],
               "node_cpu_s": round(proc.cpu_seconds(w.node.pid) - cpu0, 3)}
        log(f"  connection setup round {r + 1} {p}: {x['rate']:.0f} conn/s, p50 {res['p50_us']} us, "
            f"failed {x['failed']}, agent CPU {res['node_cpu_s']} s")
        return res
    rounds = interleaved(PATHS, cfg["conn_rounds"], measure)
    paths = {}
    for p in PATHS:
        rates = [r[p]["rate"] for r in rounds]
        lo, hi = spread(rates)
        paths[p] = {"label": LABELS[p], "median": median(rates), "min": lo, "max": hi, "runs": rates,
                    "p50_us": median([r[p]["p50_us"] for r in rounds]), "p99_us": median([r[p]["p99_us"] for r in rounds]),
                    "added_p50_us": median([r[p]["p50_us"] - r["none"]["p50_us"] for r in rounds
                                            if r[p]["p50_us"] is not None and r["none"]["p50_us"] is not None]),
                    "failed": sum(r[p]["failed"] for r in rounds),
                    "agent_cpu_s_per_run": median([r[p]["node_cpu_s"] for r in rounds])}
    ratios = {f"{p}/none": {"median": median(paired_ratios(rounds, p, "none", "rate")),
                            "runs": paired_ratios(rounds, p, "none", "rate")} for p in PATHS if p != "none"}
    worst = min(ratios["egret-cidr/none"]["median"] or 0, ratios["egret-learned/none"]["median"] or 0)
    bars = [{"name": "Egret connection setup vs no policy (worse of CIDR and learned hit)", "target": 0.97,
             "measured": worst, "met": worst >= 0.97}]
    return {"benchmark": "conn_setup", "title": "Connection setup: connect, 1-byte echo, close (sequential)",
            "unit": "connections/s", "higher_is_better": True, "baseline": "none", "paths": paths, "ratios": ratios,
            "bars": bars, "rounds": rounds,
            "agent": {"cpu_s_total": round(proc.cpu_seconds(w.node.pid) - node_cpu0, 2),
                      "events_lost": _events_lost(w) - lost0},
            "config": {"seconds": cfg["conn_seconds"], "rounds": cfg["conn_rounds"]}}


def _events_lost(w):
    for n, l, v in w.node_metrics():
        if n == "egret_events_lost_total":
            return v
    return 0


def bulk(w, cfg, log):
    paths_b = list(PATHS)

    def measure(p, r):
        x = one(w, p, cfg["bulk_seconds"], bulk=True)
        log(f"  bulk round {r + 1} {p}: {x['gbit_per_s']:.2f} Gbit/s")
        return {"gbit": x["gbit_per_s"], "errors": x["errors"]}
    rounds = interleaved(paths_b, cfg["bulk_rounds"], measure)
    paths = {}
    for p in paths_b:
        g = [r[p]["gbit"] for r in rounds]
        lo, hi = spread(g)
        paths[p] = {"label": LABELS[p], "median": median(g), "min": lo, "max": hi, "runs": g}
    ratios = {f"{p}/none": {"median": median(paired_ratios(rounds, p, "none", "gbit")),
                            "runs": paired_ratios(rounds, p, "none", "gbit")} for p in paths_b if p != "none"}
    return {"benchmark": "bulk", "title": "Bulk throughput: one connection writing 128 KiB chunks to a sink",
            "unit": "Gbit/s", "higher_is_better": True, "baseline": "none", "paths": paths, "ratios": ratios,
            "rounds": rounds, "config": {"seconds": cfg["bulk_seconds"], "rounds": cfg["bulk_rounds"]}}
