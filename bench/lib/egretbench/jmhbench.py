"""The JMH microbenchmarks (bench/jmh): name matching at 1k and 10k patterns, the per-answer path, with the gc
profiler's allocation per operation."""
import json
import os

from . import proc
from .world import BENCH


def run(w, cfg, log):
    target = os.path.join(BENCH, "jmh", "target")
    cp_file = os.path.join(target, "classpath.txt")
    if not os.path.exists(cp_file):
        return {"benchmark": "jmh", "title": "JMH microbenchmarks", "status": "skipped: bench/jmh is not built "
                "(bench/run builds it with mvn -Pbench)", "paths": {}}
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java")
    out = w.path("jmh.json")
    cp = os.path.join(target, "classes") + ":" + open(cp_file).read().strip()
    args = cfg["jmh_args"].split() + ["-prof", "gc", "-rf", "json", "-rff", out]
    proc.run([java, "-cp", cp, "org.openjdk.jmh.Main"] + args, cpus=w.p.servers, timeout=cfg["jmh_timeout"])
    rows = []
    for r in json.load(open(out)):
        name = r["benchmark"].split(".")[-2] + "." + r["benchmark"].split(".")[-1]
        pm = r["primaryMetric"]
        if not isinstance(pm.get("scoreError"), (int, float)) or pm["scoreError"] != pm["scoreError"]:
            pm["scoreError"] = None  # "NaN" with too few iterations
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        rows.append({"name": name, "params": ",".join(f"{k}={v}" for k, v in (r.get("params") or {}).items()) or "-",
                     "score": pm["score"], "error": pm.get("scoreError"), "unit": pm["scoreUnit"],
                     "alloc_bytes_per_op": alloc})
        log(f"  jmh {name} {rows[-1]['params']}: {pm['score']:.1f} {pm['scoreUnit']}, "
            f"{alloc if alloc is not None else 'n/a'} B/op")
    paths = {}
    for r in rows:
        if r["unit"] == "ops/s":
            k = f"{r['name']} {r['params']}"
            paths[k] = {"label": k, "median": r["score"], "min": r["score"] - (r["error"] or 0),
                        "max": r["score"] + (r["error"] or 0)}
    return {"benchmark": "jmh", "title": "JMH: names per second (name matching)", "unit": "names/s",
            "higher_is_better": True, "baseline": None, "paths": paths, "rows": rows,
            "config": {"args": cfg["jmh_args"]}}
