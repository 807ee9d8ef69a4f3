"""The benchmark's world: a loopback zone, its authoritative upstream, the peers (dnsmasq, nftables, squid,
haproxy), the echo server, Egret's node agent and controller, and the cgroups the workloads run in. Every piece is
started on loopback with ports picked free, and torn down by close()."""
import json
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time

from . import proc
from .stats import parse_prometheus

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BENCH = os.path.join(ROOT, "bench")

DOMAINS = 1000          # allow-list size: one pattern / dnsmasq domain each
HOSTS_PER_DOMAIN = 10   # 10k names in the zone
CIDRS = 10000           # CIDR entries of the connection-setup policy
EGRET_DNS = "127.0.0.77"  # nothing listens here: the cgroup hooks redirect policed workloads' DNS to the agent
LEARNED_TARGET = "127.0.0.2"  # echo.bench: a learned address with a listener
DENIED_TARGET = "127.0.0.3"

CG_EGRET = "egret-bench"        # the node agent attaches here; policed workloads live below
CG_PEERS = "egret-bench-peers"  # outside the agent's subtree: no BPF program runs for these


def free_port(udp_too=False):
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not udp_too:
            return port
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


def name(i):
    return f"h{i % HOSTS_PER_DOMAIN}.d{i // HOSTS_PER_DOMAIN}.bench"


def address(i):
    return f"127.1.{i >> 8}.{i & 255}"


def cidr_entry(i):
    """The i-th of the connection policy's CIDR entries: /32s in 198.18.0.0/15 (RFC 2544 benchmarking range)."""
    return f"198.{18 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}/32"


def java_env(deployed=None):
    """The HTTP ports on loopback only; with a manifest, the JVM options, memory limit and glibc malloc settings it
    deploys the app with (EGRET_BENCH_<variable> overrides one of the latter for an experiment)."""
    env = {"JAVA_TOOL_OPTIONS": ("-Dquarkus.http.host=127.0.0.1 -Degret.node.http-host=127.0.0.1 " + os.environ.get("EGRET_BENCH_JVM_EXTRA", "")).strip()}
    if deployed:
        env["JDK_JAVA_OPTIONS"] = deployed_jvm(deployed)
        for name in ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"):  # glibc's, as deployed
            value = os.environ.get("EGRET_BENCH_" + name) or deployed_env(deployed, name)
            if value:
                env[name] = value
    return env


def deployed_node_setting(key):
    """A setting of the node agent's ConfigMap (k8s-manifests/base/config/node.properties), or None."""
    with open(os.path.join(ROOT, "k8s-manifests", "base", "config", "node.properties")) as f:
        for line in f:
            k, sep, v = line.strip().partition("=")
            if sep and not k.startswith("#") and k.strip() == key:
                return v.strip()
    return None


def deployed_env(manifest, name):
    """A plain `value:` of an environment variable of a container in a k8s manifest, or None."""
    lines = open(os.path.join(ROOT, "k8s-manifests", "base", manifest)).read().splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.strip() == f"- name: {name}" and "value:" in lines[i + 1]:
            return lines[i + 1].split("value:", 1)[1].strip().strip('"')
    return None


def deployed_jvm(manifest):
    """JDK_JAVA_OPTIONS of the container in a k8s manifest, plus -XX:MaxRAM set to its memory limit, so the JVM
    sizes itself as it would in that container (e.g. the node agent: 17% of its 384Mi limit for the heap)."""
    lines = open(os.path.join(ROOT, "k8s-manifests", "base", manifest)).read().splitlines()
    opts, limit = "", None
    for i, line in enumerate(lines):
        if line.strip() == "- name: JDK_JAVA_OPTIONS":
            value = lines[i + 1].split("value:", 1)[1].strip()
            if value in (">-", ">", "|", "|-"):
                indent = len(lines[i + 2]) - len(lines[i + 2].lstrip())
                parts = []
                for follow in lines[i + 2:]:
                    if not follow.strip() or len(follow) - len(follow.lstrip()) < indent:
                        break
                    parts.append(follow.strip())
                value = " ".join(parts)
            opts = value
        if line.strip() == "limits:":
            for follow in lines[i + 1:i + 4]:
                if follow.strip().startswith("memory:"):
                    limit = follow.split(":", 1)[1].strip()
    if limit:
        units = {"Ki": "k", "Mi": "m", "Gi": "g"}
        opts += f" -XX:MaxRAM={limit[:-2]}{units[limit[-2:]]}" if limit[-2:] in units else f" -XX:MaxRAM={limit}"
    return opts


class World:
    def __init__(self, placement, log):
        self.p = placement
        self.log = log
        self.work = tempfile.mkdtemp(prefix="egret-bench-")
        os.chmod(self.work, 0o755)
        self.tools = os.path.join(self.work, "bin")
        self.names_file = os.path.join(self.work, "names.txt")
        self.node = None
        self.node_port = None
        # the JVM options and memory limit of the DaemonSet (None: the launcher's defaults)
        self.node_manifest = "node-daemonset.yaml"
        self.controller_manifest = "controller.yaml"
        self.controller = None
        self.pin_dir = None
        self.procs = {}
        self.nft_tables = []
        self.cgroups = []
        self.clean_stale_pins()

    def clean_stale_pins(self):
        """Uninstalls what an interrupted earlier run left pinned (its links would still redirect the bench cgroup's
        DNS to a proxy that is gone)."""
        for d in glob.glob("/sys/fs/bpf/egret-bench-*"):
            pid = d.rsplit("-", 1)[-1]
            if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                self.log(f"removing what an interrupted run left in {d}")
                subprocess.run([os.path.join(ROOT, "egret"), "node", "--pin-dir", d, "--uninstall"],
                               capture_output=True)
                shutil.rmtree(d, ignore_errors=True)

    # ---------- helpers ----------
    def path(self, *parts):
        return os.path.join(self.work, *parts)

    def note(self, msg):
        self.log(msg)

    def cgroup(self, rel):
        proc.make_cgroup(rel)
        top = rel.split("/")[0]
        if top not in self.cgroups:
            self.cgroups.append(top)
        return rel

    def nft_cgroup_path(self, rel):
        """The path nft's 'socket cgroupv2' wants: relative to /sys/fs/cgroup (hybrid hosts: 'unified/...')."""
        return os.path.relpath(os.path.join(proc.v2_root(), rel), "/sys/fs/cgroup")

    # ---------- tools and zone ----------
    def build_tools(self):
        os.makedirs(self.tools, exist_ok=True)
        cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if not cc:
            raise RuntimeError("no C compiler (cc, gcc or clang)")
        for tool in ("connbench", "echod"):
            subprocess.run([cc, "-O2", "-Wall", "-o", os.path.join(self.tools, tool),
                            os.path.join(BENCH, "tools", tool + ".c")], check=True)

    def tool(self, t):
        return os.path.join(self.tools, t)

    def write_zone(self):
        n = DOMAINS * HOSTS_PER_DOMAIN
        with open(self.path("zone.hosts"), "w") as z, open(self.names_file, "w") as names, \
                open(self.path("queries.txt"), "w") as q:
            for i in range(n):
                z.write(f"{address(i)} {name(i)}\n")
                names.write(name(i) + "\n")
                q.write(f"{name(i)} A\n")
            z.write(f"{LEARNED_TARGET} echo.bench\n")
        self.zone_size = n

    # ---------- authoritative upstream ----------
    def start_upstream(self):
        """dnsmasq answering the 10k names from a hosts file with TTL 0; everything else under .bench NXDOMAIN,
        other names REFUSED (no upstream of its own): it never forwards anywhere."""
        self.upstream_port = free_port(udp_too=True)
        self.procs["upstream"] = proc.start(
            ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--no-poll",
             f"--addn-hosts={self.path('zone.hosts')}", "--local-ttl=0", "--local=/bench/",
             "--listen-address=127.0.0.1", "--bind-interfaces", f"--port={self.upstream_port}",
             "--cache-size=0", "--log-facility=-", "--user=root", "--pid-file="],
            self.path("upstream.log"), cpus=self.p.servers)
        self.wait_dns(self.upstream_port, "upstream")

    def wait_dns(self, port, what, host="127.0.0.1", i=11):
        def ok():
            out = subprocess.run(["dig", f"@{host}", "-p", str(port), name(i), "+short", "+tries=1", "+time=1"],
                                 capture_output=True, text=True).stdout.strip()
            return out == address(i)
        proc.wait_for(ok, 20, f"{what} answering on {host}:{port}")

    # ---------- dnsmasq peers ----------
    def start_dnsmasq_forwarder(self):
        self.fw_port = free_port(udp_too=True)
        self.procs["dnsmasq"] = proc.start(
            ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--no-poll",
             f"--server=127.0.0.1#{self.upstream_port}", "--cache-size=0", "--dns-forward-max=10000",
             "--listen-address=127.0.0.1", "--bind-interfaces", f"--port={self.fw_port}", "--log-facility=-",
             "--user=root", "--pid-file="],
            self.path("dnsmasq-fw.log"), cpus=self.p.servers)
        self.wait_dns(self.fw_port, "dnsmasq forwarder")

    def start_dnsmasq_nftset(self):
        """dnsmasq as a DNS-forwarder firewall: forwards only the 1000 allowed domains (others REFUSED) and writes
        every answer's IPv4 addresses into an nftables set (entries expire after 1 s, like Egret's learned IPs
        under the resolve-then-connect policy), the set an output rule checks for the workload's cgroup."""
        self.nft_table("egretbench_dns", f"""
table inet egretbench_dns {{
  set allow4 {{ type ipv4_addr; flags timeout; timeout 1s; }}
  chain out {{ type filter hook output priority 0; policy accept;
    meta l4proto tcp socket cgroupv2 level 2 "{self.nft_cgroup_path(self.cgroup(CG_PEERS + '/dnsfw'))}" ip daddr != @allow4 counter drop
  }}
}}""")
        conf = self.path("dnsmasq-nftset.conf")
        with open(conf, "w") as f:
            for d in range(DOMAINS):
                f.write(f"server=/d{d}.bench/127.0.0.1#{self.upstream_port}\n")
                f.write(f"nftset=/d{d}.bench/4#inet#egretbench_dns#allow4\n")
        self.nftset_port = free_port(udp_too=True)
        self.procs["dnsmasq-nftset"] = proc.start(
            ["dnsmasq", "--keep-in-foreground", f"--conf-file={conf}", "--no-resolv", "--no-hosts", "--no-poll",
             "--cache-size=0", "--dns-forward-max=10000", "--listen-address=127.0.0.1", "--bind-interfaces",
             f"--port={self.nftset_port}", "--log-facility=-", "--user=root", "--pid-file="],
            self.path("dnsmasq-nftset.log"), cpus=self.p.servers)
        self.wait_dns(self.nftset_port, "dnsmasq with nftset", i=12)
        out = subprocess.run(["nft", "list", "set", "inet", "egretbench_dns", "allow4"], capture_output=True,
                             text=True).stdout
        if address(12) not in out:
            raise RuntimeError("dnsmasq did not write the answer into the nftables set:\n" + out)

    def nft_table(self, name, text):
        subprocess.run(["nft", "delete", "table", "inet", name], capture_output=True)
        subprocess.run(["nft", "-f", "-"], input=text, text=True, check=True)
        self.nft_tables.append(name)

    def nft_set_size(self, table, set_name):
        out = subprocess.run(["nft", "-j", "list", "set", "inet", table, set_name], capture_output=True,
                             text=True).stdout
        try:
            for item in json.loads(out)["nftables"]:
                if "set" in item:
                    return len(item["set"].get("elem", []))
        except (ValueError, KeyError):
            pass
        return None

    # ---------- connection peers ----------
    def allow_list(self):
        """The connection allow list shared by every peer: the CIDR entries, the learned addresses, the targets."""
        return (["127.0.0.1/32", LEARNED_TARGET + "/32"] + [cidr_entry(i) for i in range(1, CIDRS)]
                + [address(i) + "/32" for i in range(self.zone_size)])

    def start_echo(self):
        self.echo_port, self.sink_port = free_port(), free_port()
        out = self.path("echod.out")
        self.procs["echod"] = proc.start(
            [self.tool("echod"), f"e:127.0.0.1:{self.echo_port}", f"s:127.0.0.1:{self.sink_port}",
             f"e:{LEARNED_TARGET}:{self.echo_port}", f"s:{LEARNED_TARGET}:{self.sink_port}"],
            self.path("echod.log"), cpus=self.p.servers, stdout=open(out, "wb"))
        proc.wait_for(lambda: open(out).read().startswith("ready"), 10, "echo server")

    def start_nft_conn(self):
        """An nftables set of the same size as Egret's maps (10k CIDRs + 10k addresses), checked for every packet
        the workload's cgroup sends."""
        elems = ", ".join(self.allow_list())
        rel = self.nft_cgroup_path(self.cgroup(CG_PEERS + "/nft"))
        self.nft_table("egretbench_conn", f"""
table inet egretbench_conn {{
  set allow4 {{ type ipv4_addr; flags interval; elements = {{ {elems} }} }}
  chain out {{ type filter hook output priority 0; policy accept;
    socket cgroupv2 level 2 "{rel}" ip daddr != @allow4 counter reject
  }}
}}""")

    def squid_conf(self, idx, port):
        d = self.path(f"squid-{idx}")
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o777)
        allow = self.path("allow.txt")
        if not os.path.exists(allow):
            with open(allow, "w") as f:
                f.write("\n".join(self.allow_list()) + "\n")
            os.chmod(allow, 0o644)
        conf = os.path.join(d, "squid.conf")
        with open(conf, "w") as f:
            f.write(f"""http_port 127.0.0.1:{port}
visible_hostname egret-bench
pid_filename {d}/squid.pid
cache deny all
cache_mem 8 MB
access_log none
cache_store_log none
cache_log {d}/cache.log
coredump_dir {d}
pinger_enable off
dns_nameservers 127.0.0.1
acl allowed dst "{allow}"
acl CONNECT method CONNECT
http_access allow CONNECT allowed
http_access deny all
shutdown_lifetime 0 seconds
""")
        return conf

    def start_squid(self, idx=0):
        port = free_port()
        conf = self.squid_conf(idx, port)
        p = proc.start(["squid", "-N", "-f", conf], self.path(f"squid-{idx}.log"), cpus=self.p.servers)

        def up():
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        proc.wait_for(up, 60, f"squid {idx}")
        return p, port

    def start_haproxy(self, idx=0):
        port, bulk_port = free_port(), free_port()
        conf = self.path(f"haproxy-{idx}.cfg")
        with open(conf, "w") as f:
            f.write(f"""global
  maxconn 4096
  nbthread 1
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend echo
  bind 127.0.0.1:{port}
  default_backend echo
frontend sink
  bind 127.0.0.1:{bulk_port}
  default_backend sink
backend echo
  server echo 127.0.0.1:{self.echo_port}
backend sink
  server sink 127.0.0.1:{self.sink_port}
""")
        p = proc.start(["haproxy", "-db", "-f", conf], self.path(f"haproxy-{idx}.log"), cpus=self.p.servers)

        def up():
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        proc.wait_for(up, 30, f"haproxy {idx}")
        return p, port, bulk_port

    # ---------- Egret ----------
    def write_policies(self, policy_dir, policies):
        os.makedirs(policy_dir, exist_ok=True)
        for f in os.listdir(policy_dir):
            os.remove(os.path.join(policy_dir, f))
        for pname, text in policies.items():
            with open(os.path.join(policy_dir, pname + ".yaml"), "w") as f:
                f.write(text)

    def start_node(self, tag, policies, controller=None, token_file=None, grace="0"):
        """Starts `egret node` attached at the egret-bench cgroup, with its own pin and state directories."""
        self.cgroup(CG_EGRET)
        self.pin_dir = f"/sys/fs/bpf/egret-bench-{os.getpid()}"
        policy_dir = self.path(f"policies-{tag}")
        self.write_policies(policy_dir, policies)
        self.node_port = free_port()
        cmd = [os.path.join(ROOT, "egret"), "node", "--port", self.node_port, "--state-dir", self.path(f"state-{tag}"),
               "--policy-dir", policy_dir, "--pin-dir", self.pin_dir,
               "--attach-cgroup", os.path.join(proc.v2_root(), CG_EGRET),
               "--dns-upstream", f"127.0.0.1:{self.upstream_port}", "--dns-grace", grace, "--node-name", "bench-node"]
        if self.node_manifest and deployed_node_setting("egret.node.map-sizes"):
            cmd += ["--map-sizes", deployed_node_setting("egret.node.map-sizes")]  # the map sizes it deploys with
        if controller:
            cmd += ["--controller", controller, "--token-file", token_file]
        t0 = time.monotonic()
        self.node = proc.start(cmd, self.path(f"node-{tag}.log"), cpus=self.p.servers,
                               env=java_env(self.node_manifest))
        try:
            proc.wait_for(lambda: proc.http("GET", f"http://127.0.0.1:{self.node_port}/q/health/ready")[0] == 200,
                          180, "egret node ready")
        except RuntimeError as e:
            tail = open(self.node.log, errors="replace").read()[-3000:]
            raise RuntimeError(f"{e}; its log ends:\n{tail}") from e
        self.node_started_s = time.monotonic() - t0
        return self.node

    def stop_node(self):
        if self.node is not None:
            proc.stop(self.node)
            self.node = None
        if self.pin_dir:
            subprocess.run([os.path.join(ROOT, "egret"), "node", "--pin-dir", self.pin_dir, "--uninstall"],
                           capture_output=True, env={**os.environ})
            if os.path.isdir(self.pin_dir):
                shutil.rmtree(self.pin_dir, ignore_errors=True)

    def node_metrics(self):
        status, _, body = proc.http("GET", f"http://127.0.0.1:{self.node_port}/q/metrics")
        return parse_prometheus(body) if status == 200 else []

    # ---------- teardown ----------
    def close(self):
        proc.stop_all()
        self.stop_node()
        for t in self.nft_tables:
            subprocess.run(["nft", "delete", "table", "inet", t], capture_output=True)
        for top in self.cgroups:
            proc.remove_cgroup_tree(top)
        if os.environ.get("EGRET_BENCH_KEEP_WORK") != "1":
            shutil.rmtree(self.work, ignore_errors=True)
