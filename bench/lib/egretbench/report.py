"""Results: one JSON per benchmark, one SVG bar chart per benchmark (median bar, min-max whisker over the rounds),
and summary.md. Pure functions of the result documents."""
import html
import json
import os


def fmt(v, digits=3):
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, dict):
        return ", ".join(f"{k} {fmt(x)}" for k, x in v.items())
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) < 1e15):
        return f"{int(v):,}" if abs(v) >= 10000 else str(int(v))
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.{digits - 1}f}" if a >= 1 else f"{v:.{digits}f}"


def svg_bars(doc):
    paths = [(k, v) for k, v in doc.get("paths", {}).items() if v.get("median") is not None]
    width, left, right, row = 860, 330, 120, 30
    top = 58
    height = top + row * max(1, len(paths)) + 40
    vmax = max([v.get("max") or v["median"] for _, v in paths] + [1e-9])
    scale = (width - left - right) / vmax
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="22" font-size="15" font-weight="bold">{html.escape(doc.get("title", doc["benchmark"]))}</text>',
           f'<text x="10" y="42" fill="#555">{html.escape(doc.get("unit", ""))}'
           f'{" (higher is better)" if doc.get("higher_is_better") else " (lower is better)"}; '
           f'bar: median, whisker: min-max over the rounds</text>']
    for i, (k, v) in enumerate(paths):
        y = top + i * row
        w = max(1.0, v["median"] * scale)
        color = "#d9822b" if k.startswith("egret") or k.startswith("node") or "Egret" in v.get("label", "") else "#4a7ab5"
        out.append(f'<text x="{left - 8}" y="{y + 17}" text-anchor="end">{html.escape(v.get("label", k))[:52]}</text>')
        out.append(f'<rect x="{left}" y="{y + 5}" width="{w:.1f}" height="{row - 10}" fill="{color}"/>')
        if v.get("min") is not None and v.get("max") is not None and v["max"] != v["min"]:
            x0, x1 = left + v["min"] * scale, left + v["max"] * scale
            yc = y + row / 2
            out.append(f'<line x1="{x0:.1f}" y1="{yc}" x2="{x1:.1f}" y2="{yc}" stroke="black"/>')
            out.append(f'<line x1="{x0:.1f}" y1="{yc - 5}" x2="{x0:.1f}" y2="{yc + 5}" stroke="black"/>')
            out.append(f'<line x1="{x1:.1f}" y1="{yc - 5}" x2="{x1:.1f}" y2="{yc + 5}" stroke="black"/>')
        xt = left + max(w, (v.get("max") or 0) * scale) + 6
        out.append(f'<text x="{xt:.1f}" y="{y + 17}">{fmt(v["median"])}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write(results_dir, doc):
    os.makedirs(results_dir, exist_ok=True)
    with open(os.path.join(results_dir, doc["benchmark"] + ".json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False, default=str)
    if doc.get("paths"):
        with open(os.path.join(results_dir, doc["benchmark"] + ".svg"), "w") as f:
            f.write(svg_bars(doc))


def _table(doc, extra_cols=()):
    base = doc.get("baseline")
    ratios = doc.get("ratios", {})
    head = ["path", f"median ({doc.get('unit', '')})", "min", "max"] + [c for c, _ in extra_cols]
    if base:
        head.append(f"ratio vs {base}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for k, v in doc.get("paths", {}).items():
        row = [v.get("label", k), fmt(v.get("median")), fmt(v.get("min")), fmt(v.get("max"))]
        row += [fmt(v.get(key)) for _, key in extra_cols]
        if base:
            r = ratios.get(f"{k}/{base}", {}).get("median") if k != base else 1.0
            row.append(fmt(r) + ("x" if r is not None else ""))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def summary(results_dir, docs, machine, bar_docs):
    L = ["# Egret benchmark results", ""]
    L += [f"Run {machine['date']} on {machine['cpu_model']}, {machine['cpus']} CPUs, {machine['mem_gib']} GiB RAM, "
          f"kernel {machine['kernel']}, {machine['os']}; Egret {machine['egret_commit']}; mode {machine['mode']}; "
          f"{machine['placement']}; load average {machine['load_before']:.1f} before, {machine['load_after']:.1f} after; "
          f"{machine['duration_s']:.0f} s in total. JVM options of the node agent: "
          f"`{(machine.get('jvm') or {}).get('node') or './egret defaults'}`"
          + (f" with `{machine['jvm']['node_env']}`" if (machine.get('jvm') or {}).get('node_env') else "")
          + "; of the controller: "
          f"`{(machine.get('jvm') or {}).get('controller') or './egret defaults'}`.", "",
          "Every peer is measured in the same run, interleaved round by round with Egret; ratios are the median of "
          "the per-round ratios (each round measures every path back to back), values are medians over the rounds.",
          ""]
    if machine.get("cgroups_recreated"):
        L += [f"Note: something else on the machine removed these empty cgroups during the run; the driver "
              f"re-created them before use: {', '.join(machine['cgroups_recreated'])}.", ""]
    L += ["## Bars", "", "| bar | target | measured | met |", "|---|---|---|---|"]
    for doc in bar_docs:
        for b in doc.get("bars", []):
            kind = b.get("kind", "min")
            unit = b.get("unit", "x" if kind == "min" else "")
            target = ("<= " if kind == "max" else ">= ") + fmt(b["target"]) + unit
            L.append(f"| {b['name']} | {target} | {fmt(b['measured'])}{unit if b['measured'] is not None else ''} | "
                     f"{'yes' if b['met'] else '**no**'} |")
    L.append("")
    for doc in docs:
        L += [f"## {doc.get('title', doc['benchmark'])}", ""]
        if doc.get("status", "ok") != "ok":
            L += [doc["status"], ""]
            continue
        b = doc["benchmark"]
        if b == "dns_throughput":
            L.append(_table(doc, [("CPU us/query", "cpu_us_per_query"), ("NOERROR share", "noerror_share")]))
            L += ["", "CPU per query: the server process's utime+stime over the run divided by the queries answered "
                  "(the upstream's CPU is not counted for the proxies)."]
            for k, v in doc.get("cpu_per_query_ratio", {}).items():
                L.append(f"CPU per query {k}: {fmt(v)}x.")
        elif b == "dns_latency":
            L.append(_table(doc, [("p90", "p90"), ("p99", "p99"), ("added p50", "added_p50"),
                                  ("added p90", "added_p90")]))
            a = doc.get("agent", {})
            L += ["", f"Egret agent's own time (mean over the Egret runs, query in to answer out, map write included: "
                  f"the client's mean through Egret minus the upstream time the agent measured) "
                  f"{fmt(a.get('query_to_release_mean_us'))} us; upstream as the agent saw it, mean "
                  f"{fmt(a.get('upstream_mean_us'))} us. Answers held until the kernel had their addresses (0 when it already had them): mean "
                  f"{fmt(a.get('answer_hold_mean_us'))} us; "
                  + (", ".join(f"{q} at most {fmt(v)} us" for q, v in (a.get('answer_hold_us') or {}).items()))
                  + f" (upper bounds of the agent's histogram buckets, 10 us to 10 s). DNS errors counted by "
                  f"the agent: {fmt(a.get('dns_errors'))}."]
        elif b == "conn_setup":
            L.append(_table(doc, [("p50 us", "p50_us"), ("p99 us", "p99_us"), ("added p50 us", "added_p50_us"),
                                  ("failed", "failed")]))
            ag = doc.get("agent", {})
            L += ["", f"Agent CPU during the connection runs: {fmt(ag.get('cpu_s_total'))} s; kernel events lost: "
                  f"{fmt(ag.get('events_lost'))}."]
        elif b == "resolve_then_connect":
            L.append(_table(doc, [("loops", "loops"), ("loops/s", "rate"), ("DNS failures", "dns_failures"),
                                  ("resolve p50 us", "resolve_p50_us")]))
            h = doc.get("answer_held_us", {})
            L += ["", f"Time Egret held answers until their addresses were in the kernel "
                  f"({fmt(doc.get('answers_held'))} answers): mean {fmt(h.get('mean'))} us; "
                  + ", ".join(f"{q} at most {fmt(v)} us" for q, v in h.items() if q != "mean")
                  + " (upper bounds of the agent's histogram buckets, 10 us to 10 s)."]
        elif b == "policy_propagation":
            e = doc["paths"]["egret"]
            L += [f"REST write to enforcement (a probe in the workload sees the new address let through), "
                  f"{doc['config']['writes']} writes: p50 {fmt(e['p50'])} ms, p90 {fmt(e['p90'])} ms, "
                  f"p99 {fmt(e['p99'])} ms, max {fmt(e['max'])} ms. The node's own sync lag "
                  f"(egret_policy_sync_lag_seconds, upper bounds of its histogram buckets, ms): "
                  f"{fmt(doc.get('node_sync_lag_ms'))}."]
        elif b == "events":
            L.append("| burst | denied connects | generated/s | received | lost | delivered/s end to end | node: ring lost, channel lost, journal dropped |")
            L.append("|---|---|---|---|---|---|---|")
            for r in doc["runs"]:
                n = r["node"]
                L.append(f"| {r['burst']} | {r['denied_connects']} | {fmt(r['generated_per_s'])} | {r['received']} | "
                         f"{r['lost']} | {fmt(r['delivered_per_s'])} | {fmt(n['kernel_ring_lost'])}, "
                         f"{fmt(n['channel_lost'])}, {fmt(n['journal_dropped'])} |")
        elif b == "memory":
            L.append(_table(doc))
            L += ["", f"Idle CPU (periodic work, % of one CPU): {doc.get('idle_cpu_percent')}.",
                  "Sidecars that weigh as much as one node agent (node max RSS / one sidecar's PSS): "
                  + ", ".join(f"{k} {fmt(v)}" for k, v in doc.get("sidecars_equal_to_node", {}).items()) + "."]
        elif b == "jmh":
            L.append("| benchmark | param | score | unit | alloc B/op |")
            L.append("|---|---|---|---|---|")
            for r in doc.get("rows", []):
                L.append(f"| {r['name']} | {r['params']} | {fmt(r['score'])} ± {fmt(r['error'])} | {r['unit']} | "
                         f"{fmt(r.get('alloc_bytes_per_op'))} |")
        else:
            L.append(_table(doc))
        for n in doc.get("notes", []):
            L += ["", n]
        L += ["", f"![{b}]({b}.svg)" if doc.get("paths") else "", ""]
    with open(os.path.join(results_dir, "summary.md"), "w") as f:
        f.write("\n".join(L).rstrip() + "\n")
