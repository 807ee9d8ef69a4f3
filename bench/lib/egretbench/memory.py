"""Memory: the node agent's and the controller's RSS idle and under each load (sampled while the other benchmarks
run), the peers' RSS, and N sidecars (squid with the allow list, haproxy) whose PSS is summed."""
import time

from . import proc


class Recorder:
    """Collects RSS/PSS maxima by process and phase."""

    def __init__(self):
        self.phases = {}   # phase -> {process: {"rss": b, "pss": b}}
        self.idle_cpu = {}

    def snapshot(self, phase, pids):
        s = proc.Sampler(pids)
        s.sample()
        self._keep(phase, s)

    def during(self, phase, pids):
        rec = self

        class _Ctx:
            def __enter__(self):
                self.s = proc.Sampler(pids).__enter__()
                return self

            def __exit__(self, *a):
                self.s.__exit__(*a)
                rec._keep(phase, self.s)
        return _Ctx()

    def _keep(self, phase, s):
        d = self.phases.setdefault(phase, {})
        for n in s.pids:
            cur = d.get(n, {"rss": 0, "pss": 0})
            d[n] = {"rss": max(cur["rss"], s.max_rss[n]), "pss": max(cur["pss"], s.max_pss[n])}

    def idle(self, name, pid, seconds):
        """CPU an idle process uses (its periodic work), in percent of one CPU."""
        c0 = proc.cpu_seconds(pid)
        time.sleep(seconds)
        self.idle_cpu[name] = round((proc.cpu_seconds(pid) - c0) / seconds * 100, 1)


def sidecars(w, n, log):
    """N squid sidecars (each with the 20k-entry allow list) and N haproxy sidecars, idle; PSS and RSS summed."""
    out = {}
    for kind in ("squid", "haproxy"):
        ps = []
        try:
            for i in range(n):
                if kind == "squid":
                    p, _ = w.start_squid(100 + i)
                else:
                    p, _, _ = w.start_haproxy(100 + i)
                ps.append(p)
            time.sleep(1)
            pss = rss = 0
            for p in ps:
                for pid in proc.descendants(p.pid):
                    pss += proc.pss_bytes(pid)
                    rss += proc.rss_bytes(pid)
            out[kind] = {"n": n, "pss_sum": pss, "rss_sum": rss, "pss_each": pss / n}
            log(f"  {n} {kind} sidecars: PSS {pss / 2**20:.0f} MiB in total, {pss / n / 2**20:.1f} MiB each")
        finally:
            for p in ps:
                proc.stop(p)
    return out


def report(rec, side, log):
    mib = 2 ** 20
    node_phases = {ph: v["node"]["rss"] for ph, v in rec.phases.items() if "node" in v}
    ctl_phases = {ph: v["controller"]["rss"] for ph, v in rec.phases.items() if "controller" in v}
    peers = {}
    for ph, v in rec.phases.items():
        for n, m in v.items():
            if n not in ("node", "controller"):
                peers[n] = max(peers.get(n, 0), m["rss"])
    node_max = max(node_phases.values()) if node_phases else None
    paths = {f"node: {ph}": {"label": f"egret node, {ph}", "median": b / mib, "min": b / mib, "max": b / mib}
             for ph, b in node_phases.items()}
    paths.update({f"controller: {ph}": {"label": f"egret controller, {ph}", "median": b / mib, "min": b / mib,
                                         "max": b / mib} for ph, b in ctl_phases.items()})
    paths.update({f"peer: {n}": {"label": n, "median": b / mib, "min": b / mib, "max": b / mib} for n, b in peers.items()})
    for kind, s in side.items():
        paths[f"{s['n']} {kind} sidecars"] = {"label": f"{s['n']} {kind} sidecars (PSS sum)", "median": s["pss_sum"] / mib,
                                               "min": s["pss_sum"] / mib, "max": s["pss_sum"] / mib}
    bars = [{"name": "node agent RSS (max over all loads)", "target": 128, "measured": node_max / mib if node_max else None,
             "met": node_max is not None and node_max < 128 * mib, "kind": "max", "unit": "MiB"}]
    break_even = {}
    if node_max:
        for kind, s in side.items():
            if s["pss_each"]:
                break_even[kind] = node_max / s["pss_each"]
    return {"benchmark": "memory", "title": "Resident memory (MiB): Egret vs peers and sidecars", "unit": "MiB",
            "higher_is_better": False, "baseline": None, "paths": paths, "bars": bars,
            "phases": rec.phases, "idle_cpu_percent": rec.idle_cpu, "sidecars": side,
            "sidecars_equal_to_node": break_even}
