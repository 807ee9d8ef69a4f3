"""The controller benchmarks: policy propagation (REST write at the controller to enforcement on the node) and
denied-connect events reaching the controller's audit API, with loss counted. Both need the controller's watch and
audit API; without it they report that they were skipped."""
import json
import os
import subprocess
import time

from . import proc
from .stats import histogram, histogram_delta, histogram_quantile, quantile
from .world import CG_EGRET, DENIED_TARGET, ROOT, free_port, java_env
from . import policies

ADMIN = "bench-admin-token-0123456789abcdef"
NODE = "bench-node-token-0123456789abcdef"


class Controller:
    def __init__(self, w):
        self.w = w
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        tokens = w.path("tokens")
        with open(tokens, "w") as f:
            f.write(f"{ADMIN} admin bench\n{NODE} node bench-node\n")
        os.chmod(tokens, 0o600)
        self.token_file = w.path("node.token")
        with open(self.token_file, "w") as f:
            f.write(NODE + "\n")
        os.chmod(self.token_file, 0o600)
        # EGRET_BENCH_CONTROLLER_ROOT: another checkout's controller (e.g. while its API is on a branch)
        root = os.environ.get("EGRET_BENCH_CONTROLLER_ROOT", ROOT)
        self.proc = proc.start([os.path.join(root, "egret"), "controller", "--port", self.port, "--data-dir",
                                w.path("controller-data")], w.path("controller.log"), cpus=w.p.servers,
                               env={**java_env(w.controller_manifest), "EGRET_TOKENS_FILE": tokens})
        proc.wait_for(lambda: proc.http("GET", self.url + "/q/health/ready")[0] == 200, 120,
                      f"controller ready (log {w.path('controller.log')})")

    def call(self, method, path, body=None, ctype="application/json"):
        h = {"Authorization": "Bearer " + ADMIN, "Accept": "application/json"}
        if body is not None:
            h["Content-Type"] = ctype
        return proc.http(method, self.url + path, body, h, timeout=30)

    def audit_api(self):
        """None when the audit API answers; else why not."""
        status, _, body = self.call("GET", "/api/v1/audit?limit=1")
        if status == 200:
            try:
                if "items" in json.loads(body):
                    return None
            except ValueError:
                pass
        return f"GET /api/v1/audit answered HTTP {status}"

    def denied_count(self, workload):
        n, cont = 0, None
        for _ in range(10000):
            q = f"/api/v1/audit?workload={workload}&verdict=deny&limit=1000" + (f"&continue={cont}" if cont else "")
            status, _, body = self.call("GET", q)
            if status != 200:
                raise RuntimeError(f"GET {q}: HTTP {status}: {body[:300]}")
            doc = json.loads(body)
            n += sum(int(i.get("count", 1)) for i in doc.get("items", []))
            cont = doc.get("metadata", {}).get("continue")
            if not cont:
                return n
        return n


def skipped(name, title, reason):
    return {"benchmark": name, "title": title, "status": "skipped: controller audit API not available (" + reason + ")",
            "paths": {}}


def propagation(w, ctl, cfg, log):
    cg = w.cgroup(CG_EGRET + "/prop")
    # version 0 allows only 127.0.2.250: wait until the node enforces it
    status, _, body = ctl.call("PUT", "/api/v1/policies/bench-prop", policies.propagation(250), "application/yaml")
    if status not in (200, 201):
        raise RuntimeError(f"PUT bench-prop: HTTP {status}: {body[:300]}")
    probe = [w.tool("connbench"), "conn", "-t", "127.0.2.1:9", "-d", "0.05"]

    def enforced():
        r = proc.run_json(probe, cpus=w.p.generator, cgroup=cg, check=False)
        return "EPERM" in r["errors"]
    proc.wait_for(enforced, 60, "the first bench-prop version enforced on the node")
    lag_before = histogram(w.node_metrics(), "egret_policy_sync_lag_seconds")
    lat_ms = []
    for i in range(1, cfg["prop_writes"] + 1):
        p = proc.start([w.tool("connbench"), "until", "-t", f"127.0.2.{i}:9", "-d", "30", "-i", "250"],
                       w.path("prop-probe.log"), cpus=w.p.generator, cgroup=cg, stdout=subprocess.PIPE)
        first = p.stdout.readline().decode().strip()
        if first != "denied":
            proc.stop(p)
            raise RuntimeError(f"propagation probe for 127.0.2.{i}: expected a denial first, got {first!r}")
        t0 = time.monotonic_ns()
        status, _, body = ctl.call("PUT", "/api/v1/policies/bench-prop", policies.propagation(i), "application/yaml")
        if status not in (200, 201):
            proc.stop(p)
            raise RuntimeError(f"PUT bench-prop #{i}: HTTP {status}: {body[:300]}")
        out = json.loads(p.stdout.readline().decode())
        p.wait(40)
        if out.get("allowed_at_ns") is None:
            raise RuntimeError(f"policy version {i} was not enforced within 30 s")
        lat_ms.append((out["allowed_at_ns"] - t0) / 1e6)
    lag = histogram_delta(histogram(w.node_metrics(), "egret_policy_sync_lag_seconds"), lag_before)
    node_lag = {q: (histogram_quantile(lag, v) or 0) * 1e3 for q, v in (("p50", .5), ("p99", .99))} \
        if lag["count"] else None
    res = {"p50": quantile(lat_ms, .5), "p90": quantile(lat_ms, .9), "p99": quantile(lat_ms, .99),
           "max": max(lat_ms), "min": min(lat_ms)}
    log(f"  policy propagation: {len(lat_ms)} writes, REST write to enforcement p50 {res['p50']:.1f} ms, "
        f"p99 {res['p99']:.1f} ms; node sync lag {node_lag}")
    return {"benchmark": "policy_propagation", "title": "Policy propagation: REST write to enforcement on the node",
            "unit": "ms", "higher_is_better": False, "baseline": None,
            "paths": {"egret": {"label": "controller PUT -> node enforces (probe sees the new address allowed)",
                                "median": res["p50"], "min": res["min"], "max": res["max"], **res}},
            "node_sync_lag_ms": node_lag, "samples_ms": lat_ms,
            "config": {"writes": cfg["prop_writes"], "probe_interval_us": 250}}


def events(w, ctl, cfg, log):
    workload = CG_EGRET + "/deny"
    cg = w.cgroup(workload)
    runs = []
    for b, (rate, seconds) in enumerate(cfg["event_bursts"]):
        m0 = w.node_metrics()
        base = ctl.denied_count(workload)
        t0 = time.monotonic()
        r = proc.run_json([w.tool("connbench"), "deny", "-t", f"{DENIED_TARGET}:9", "-d", seconds, "-r", rate],
                          cpus=w.p.generator, cgroup=cg, timeout=seconds + 60)
        burst_end = time.monotonic()
        def delta(name):
            return sum(v for n, _, v in m1 if n == name) - sum(v for n, _, v in m0 if n == name)
        got, last_change, last = base, burst_end, base
        deadline = burst_end + cfg["event_wait"]
        while time.monotonic() < deadline:
            got = ctl.denied_count(workload)
            m1 = w.node_metrics()
            if got != last:
                last, last_change = got, time.monotonic()
            # everything that got past the kernel's ring buffer (its losses are counted there) has arrived
            if got - base >= r["eperm"] - delta("egret_events_lost_total"):
                break
            if time.monotonic() - last_change > 15:
                break
            time.sleep(2)
        m1 = w.node_metrics()
        received = got - base
        run = {"burst": f"{rate}/s for {seconds} s" if rate else f"as fast as possible for {seconds} s",
               "denied_connects": r["eperm"], "generated_per_s": r["rate"], "received": received,
               "lost": r["eperm"] - received, "loss_share": (r["eperm"] - received) / r["eperm"] if r["eperm"] else 0,
               "delivered_per_s": received / (last_change - t0) if last_change > t0 else None,
               "seconds_to_deliver": round(last_change - t0, 2),
               "node": {"kernel_ring_lost": delta("egret_events_lost_total"),
                        "channel_lost": delta("egret_audit_channel_lost_total"),
                        "journal_dropped": delta("egret_audit_journal_dropped_total"),
                        "delivered": delta("egret_audit_delivered_total")}}
        runs.append(run)
        log(f"  events burst {b + 1} ({run['burst']}): {r['eperm']} denied connects at {r['rate']:.0f}/s, controller received "
            f"{received} (lost {run['lost']}), {run['delivered_per_s'] or 0:.0f}/s end to end; node {run['node']}")
    paths = {f"burst {i + 1}": {"label": f"denied {r['burst']}: delivered/s (lost {r['lost']})",
                                "median": r["delivered_per_s"], "min": r["delivered_per_s"], "max": r["delivered_per_s"],
                                "generated_per_s": r["generated_per_s"], "lost": r["lost"]}
             for i, r in enumerate(runs)}
    return {"benchmark": "events", "title": "Denied-connect events reaching the controller", "unit": "events/s",
            "higher_is_better": True, "baseline": None, "paths": paths, "runs": runs,
            "config": {"bursts": [{"rate": r or "max", "seconds": t} for r, t in cfg["event_bursts"]]}}
