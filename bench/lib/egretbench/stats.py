"""Medians, quantiles, paired ratios and Prometheus text parsing. Pure."""
import math
import re


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def quantile(xs, q):
    """Nearest-rank quantile of raw samples (q in 0..1)."""
    xs = sorted(xs)
    if not xs:
        return None
    return xs[min(len(xs) - 1, max(0, math.ceil(q * len(xs)) - 1))]


def spread(xs):
    xs = [x for x in xs if x is not None]
    return (min(xs), max(xs)) if xs else (None, None)


def interleaved(paths, rounds, measure):
    """Runs measure(path, round) for every path in every round, rotating the order each round so that drift of
    the machine during a run spreads over all paths; returns [{path: result}] by round."""
    out = []
    for r in range(rounds):
        res = {}
        for p in paths[r % len(paths):] + paths[:r % len(paths)]:
            res[p] = measure(p, r)
        out.append(res)
    return out


def paired_ratios(rounds, path, baseline, key):
    """Per-round ratio path/baseline (measured back to back in one round), for drift-resistant ratios."""
    out = []
    for r in rounds:
        a, b = r.get(path, {}).get(key), r.get(baseline, {}).get(key)
        if a is not None and b:
            out.append(a / b)
    return out


_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_prometheus(text):
    """[(name, {labels}, value)] of a Prometheus text exposition."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            continue
        labels = dict(_LABEL.findall(m.group(2) or ""))
        try:
            out.append((m.group(1), labels, float(m.group(3))))
        except ValueError:
            pass
    return out


def metric_sum(samples, name, **labels):
    """Sum of a metric's samples whose labels include the given ones; None when absent."""
    vals = [v for n, l, v in samples if n == name and all(l.get(k) == v2 for k, v2 in labels.items())]
    return sum(vals) if vals else None


def histogram(samples, name):
    """{'buckets': [(le, cumulative count)], 'count': n, 'sum': s} of a Prometheus histogram."""
    buckets = {}
    for n, l, v in samples:
        if n == name + "_bucket" and "le" in l:
            le = math.inf if l["le"] == "+Inf" else float(l["le"])
            buckets[le] = buckets.get(le, 0) + v
    return {"buckets": sorted(buckets.items()), "count": metric_sum(samples, name + "_count") or 0,
            "sum": metric_sum(samples, name + "_sum") or 0}


def histogram_delta(after, before):
    b = dict(before["buckets"])
    return {"buckets": [(le, c - b.get(le, 0)) for le, c in after["buckets"]],
            "count": after["count"] - before["count"], "sum": after["sum"] - before["sum"]}


def histogram_quantile(h, q):
    """The upper bound of the bucket that holds the q-quantile: "at most", never an interpolation inside a bucket
    (interpolating inside a bucket would invent precision the histogram does not have)."""
    buckets = h["buckets"]
    if not buckets or h["count"] <= 0:
        return None
    total = buckets[-1][1]
    if total <= 0:
        return None
    rank = q * total
    prev_le = 0.0
    for le, c in buckets:
        if c >= rank:
            return prev_le if math.isinf(le) else le
        prev_le = le
    return buckets[-1][0]
