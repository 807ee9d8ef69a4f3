"""The EgressPolicy documents the benchmarks run under."""
from .world import CG_EGRET, CIDRS, DOMAINS, cidr_entry


def _patterns(indent):
    return "\n".join(f"{indent}- matchPattern: '*.d{d}.bench'" for d in range(DOMAINS))


def dns(name="bench-dns", cgroup="dns", port=9, ttl=None):
    """1000 name patterns, one per allowed domain (the dnsmasq peer's 1000 domains)."""
    ttl_line = f"\n  dns: {{minTTL: {ttl}, maxTTL: {ttl}}}" if ttl is not None else ""
    return f"""apiVersion: egret.dev/v1
kind: EgressPolicy
metadata: {{name: {name}}}
spec:
  workloads: {{cgroupPaths: ["{CG_EGRET}/{cgroup}"]}}
  egress:
    - toFQDNs:
{_patterns('        ')}
      toPorts: [{{port: {port}, protocol: TCP}}]{ttl_line}
"""


def conn(echo_port, sink_port):
    """10k CIDR entries plus the 1000 patterns (whose answers fill the learned map with 10k addresses)."""
    lo, hi = min(echo_port, sink_port), max(echo_port, sink_port)
    ports = f"[{{port: {lo}, endPort: {hi}, protocol: TCP}}]" if hi - lo < 1000 else \
        f"[{{port: {echo_port}, protocol: TCP}}, {{port: {sink_port}, protocol: TCP}}]"
    cidrs = "\n".join(f"        - {cidr_entry(i)}" for i in range(1, CIDRS))
    return f"""apiVersion: egret.dev/v1
kind: EgressPolicy
metadata: {{name: bench-conn}}
spec:
  workloads: {{cgroupPaths: ["{CG_EGRET}/conn"]}}
  egress:
    - toCIDR:
        - 127.0.0.1/32
{cidrs}
      toPorts: {ports}
    - toFQDNs:
        - matchName: echo.bench
{_patterns('        ')}
      toPorts: {ports}
  dns: {{minTTL: 3600}}
"""


def _doc(name, cgroup, egress):
    return f"""apiVersion: egret.dev/v1
kind: EgressPolicy
metadata: {{name: {name}}}
spec:
  workloads: {{cgroupPaths: ["{CG_EGRET}/{cgroup}"]}}
  egress:
{egress}"""


def deny_events(echo_port):
    """Allows one echo port; the events benchmark connects elsewhere and is denied."""
    return _doc("bench-deny", "deny", f"""    - toCIDR: [127.0.0.1/32]
      toPorts: [{{port: {echo_port}, protocol: TCP}}]
""")


def propagation(i):
    """Version i allows exactly 127.0.2.<i>:9; the propagation probe waits for that address to be let through."""
    return _doc("bench-prop", "prop", f"""    - toCIDR: [127.0.2.{i}/32]
      toPorts: [{{port: 9, protocol: TCP}}]
""")
