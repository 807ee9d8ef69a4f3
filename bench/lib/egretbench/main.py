"""bench/run's driver: sets the world up, runs every benchmark within a time budget, writes bench/results."""
import argparse
import datetime
import json
import os
import platform
import signal
import subprocess
import sys
import time
import traceback

from . import connbench, ctlbench, dnsbench, jmhbench, memory, policies, proc, report, rtcbench, world
from .world import BENCH, ROOT, World

FULL = {"dns_warmup": 60, "dns_seconds": 8, "dns_rounds": 5, "dns_rate": 2000, "lat_seconds": 8, "lat_rounds": 3,
        "rtc_loops": 100000, "rtc_twin_loops": 20000, "rtc_max_seconds": 240, "conn_seconds": 2, "conn_rounds": 10,
        "bulk_seconds": 3, "bulk_rounds": 3, "prop_writes": 100, "event_bursts": [(0, 5), (2000, 10)],
        "event_wait": 90, "sidecars": 10, "idle_seconds": 10,
        "jmh_args": "-f 1 -wi 3 -w 1s -i 5 -r 1s", "jmh_timeout": 600, "budget": 1800}
QUICK = {"dns_warmup": 20, "dns_seconds": 3, "dns_rounds": 2, "dns_rate": 2000, "lat_seconds": 3, "lat_rounds": 1,
         "rtc_loops": 10000, "rtc_twin_loops": 5000, "rtc_max_seconds": 60, "conn_seconds": 2, "conn_rounds": 2,
         "bulk_seconds": 1, "bulk_rounds": 2, "prop_writes": 10, "event_bursts": [(0, 2), (2000, 3)],
         "event_wait": 30, "sidecars": 3, "idle_seconds": 3,
         "jmh_args": "-f 1 -wi 1 -w 500ms -i 2 -r 500ms -p patterns=10000", "jmh_timeout": 240, "budget": 300}
ALL = ["dns", "rtc", "conn", "ctl", "memory", "jmh"]


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def machine(mode, placement):
    def first(path, key):
        try:
            for line in open(path):
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "--", ".",
                            ":!bench/results"], capture_output=True, text=True).stdout.strip()
    os_name = "unknown"
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {"date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "cpu_model": first("/proc/cpuinfo", "model name"), "cpus": os.cpu_count(),
            "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "kernel": platform.release(), "os": os_name, "egret_commit": commit + ("+changes" if dirty else ""),
            "mode": mode, "placement": placement.describe(), "load_before": os.getloadavg()[0]}


class Budget:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic()


def main():
    ap = argparse.ArgumentParser(prog="bench/run")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default=",".join(ALL), help="comma-separated subset of " + ",".join(ALL))
    ap.add_argument("--results", default=os.path.join(BENCH, "results"))
    ap.add_argument("--jvm", choices=["deployed", "launcher"], default="deployed",
                    help="deployed: the JVM options and memory limits of k8s-manifests/base (default); "
                         "launcher: ./egret's defaults")
    args = ap.parse_args()
    cfg = dict(QUICK if args.quick else FULL)
    only = set(args.only.split(","))
    started = time.monotonic()
    budget = Budget(cfg["budget"])

    def on_signal(sig, frame):
        raise SystemExit(f"stopped by signal {sig}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    placement = proc.Placement()
    info = machine("quick" if args.quick else "full", placement)
    log(f"Egret benchmarks ({info['mode']}): {placement.describe()}; budget {cfg['budget']} s")
    w = World(placement, log)
    if args.jvm == "launcher":
        w.node_manifest = w.controller_manifest = None
    info["jvm"] = {"node": w.node_manifest and world.deployed_jvm(w.node_manifest),
                   "controller": w.controller_manifest and world.deployed_jvm(w.controller_manifest),
                   "node_env": w.node_manifest and " ".join(f"{k}={v}" for k, v in world.java_env(w.node_manifest).items()
                                                            if k.startswith("MALLOC_"))}
    docs = {}
    rec = memory.Recorder()

    def attempt(name, fn, need=30):
        if budget.left() < need:
            docs[name] = {"benchmark": name, "title": name, "status": "skipped: time budget used up", "paths": {}}
            log(f"{name}: skipped (time budget)")
            return None
        log(f"{name} ...")
        try:
            d = fn()
        except SystemExit:
            raise
        except Exception as e:  # noqa: BLE001 - one failed benchmark must not lose the others
            traceback.print_exc()
            d = {"benchmark": name, "title": name, "status": f"failed: {e}", "paths": {}}
        if d is not None:
            docs[d["benchmark"]] = d
            report.write(args.results, d)
        return d

    try:
        w.build_tools()
        w.write_zone()
        w.start_upstream()
        w.start_echo()
        peers = {"upstream": w.procs["upstream"].pid}
        if only & {"dns", "rtc", "memory"}:
            w.start_dnsmasq_forwarder()
            w.start_dnsmasq_nftset()
            peers.update({"dnsmasq": w.procs["dnsmasq"].pid, "dnsmasq-nftset": w.procs["dnsmasq-nftset"].pid})
        w.cgroup(f"egret-bench-peers/none")
        if only & {"conn", "memory"}:
            squid, w.squid_port = w.start_squid()
            hap, w.haproxy_port, w.haproxy_bulk_port = w.start_haproxy()
            peers.update({"squid": squid.pid, "haproxy": hap.pid})

        if only & {"dns", "rtc", "conn", "memory"}:
            for cg in ("dns", "rtc", "conn"):
                w.cgroup(f"egret-bench/{cg}")
            w.start_node("a", {"bench-dns": policies.dns(), "bench-rtc": policies.dns("bench-rtc", "rtc", 9, ttl=1),
                               "bench-conn": policies.conn(w.echo_port, w.sink_port)})
            log(f"egret node ready in {w.node_started_s:.1f} s")
            time.sleep(2)
            rec.snapshot("idle, policies loaded", {"node": w.node.pid})
            rec.idle("node (policies: 1000 + 1000 patterns, 10k CIDRs; learned map empty)", w.node.pid,
                     cfg["idle_seconds"])
            log(f"  node idle CPU: {rec.idle_cpu}")

            if "dns" in only:
                def dns_all():
                    warm = dnsbench.warm_up(w, cfg["dns_warmup"], log)
                    with rec.during("DNS throughput load", {"node": w.node.pid, **{k: v for k, v in peers.items()
                                                                                    if k.startswith("dns") or k == "upstream"}}):
                        t = dnsbench.throughput(w, cfg, log, warm)
                    report.write(args.results, t)
                    docs[t["benchmark"]] = t
                    return dnsbench.latency(w, cfg, log)
                attempt("dns_latency", dns_all, need=120)
            if "rtc" in only:
                with rec.during("resolve-then-connect load", {"node": w.node.pid}):
                    attempt("resolve_then_connect", lambda: rtcbench.run(w, cfg, log), need=60)
            if only & {"conn", "memory"}:
                def conn_all():
                    # created only now: dnsmasq's nftset writes slow down with the size of the whole ruleset
                    w.start_nft_conn()
                    fill = connbench.fill_learned(w, log)
                    time.sleep(2)
                    rec.idle("node (same, learned map holds 10k)", w.node.pid, cfg["idle_seconds"])
                    log(f"  node idle CPU: {rec.idle_cpu}")
                    problems = connbench.check_policies(w)
                    if problems:
                        raise RuntimeError("; ".join(problems))
                    with rec.during("connection load", {"node": w.node.pid, "squid": peers["squid"],
                                                        "haproxy": peers["haproxy"]}):
                        c = connbench.setup_rate(w, cfg, log)
                        c["fill"] = fill
                        report.write(args.results, c)
                        docs[c["benchmark"]] = c
                        return connbench.bulk(w, cfg, log)
                if "conn" in only:
                    attempt("bulk", conn_all, need=90)
            w.stop_node()

        if "ctl" in only:
            def ctl_all():
                ctl = ctlbench.Controller(w)
                time.sleep(2)
                rec.snapshot("idle", {"controller": ctl.proc.pid})
                why = ctl.audit_api()
                if why:
                    log(f"  controller: {why}; propagation and events skipped")
                    docs["policy_propagation"] = ctlbench.skipped(
                        "policy_propagation", "Policy propagation: REST write to enforcement on the node", why)
                    report.write(args.results, docs["policy_propagation"])
                    return ctlbench.skipped("events", "Denied-connect events reaching the controller", why)
                w.cgroup("egret-bench/deny")
                w.cgroup("egret-bench/prop")
                w.start_node("b", {"bench-deny": policies.deny_events(w.echo_port)}, controller=ctl.url,
                             token_file=ctl.token_file)
                p = ctlbench.propagation(w, ctl, cfg, log)
                report.write(args.results, p)
                docs[p["benchmark"]] = p
                with rec.during("events load", {"controller": ctl.proc.pid, "node": w.node.pid}):
                    e = ctlbench.events(w, ctl, cfg, log)
                w.stop_node()
                return e
            attempt("events", ctl_all, need=60)

        if "memory" in only:
            def mem():
                side = memory.sidecars(w, cfg["sidecars"], log)
                return memory.report(rec, side, log)
            attempt("memory", mem, need=30)

        if "jmh" in only:
            attempt("jmh", lambda: jmhbench.run(w, cfg, log), need=60)
    finally:
        w.close()
        info["load_after"] = os.getloadavg()[0]
        info["duration_s"] = time.monotonic() - started
        info["config"] = cfg
        info["cgroups_recreated"] = proc.recreated
        os.makedirs(args.results, exist_ok=True)
        with open(os.path.join(args.results, "machine.json"), "w") as f:
            json.dump(info, f, indent=1)
        order = ["dns_throughput", "dns_latency", "resolve_then_connect", "conn_setup", "bulk", "policy_propagation",
                 "events", "memory", "jmh"]
        ds = [docs[k] for k in order if k in docs]
        report.summary(args.results, ds, info, [d for d in ds if d.get("bars")])
        log(f"done in {info['duration_s']:.0f} s; results in {args.results}/summary.md")


if __name__ == "__main__":
    sys.exit(main())
