"""Processes, cgroups, CPU placement and resource readings. Everything started here is stopped here, by its id."""
import json
import os
import signal
import subprocess
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
_started = []
recreated = []  # cgroups someone else removed during the run


def v2_root():
    """The cgroup2 mount point (pure v2 hosts: /sys/fs/cgroup; hybrid hosts: e.g. /sys/fs/cgroup/unified)."""
    with open("/proc/mounts") as f:
        for line in f:
            parts = line.split()
            if parts[2] == "cgroup2":
                return parts[1]
    raise RuntimeError("no cgroup2 mount in /proc/mounts")


class Placement:
    """Load generators on one CPU, servers (everything measured) on the others, when there are at least two."""

    def __init__(self):
        cpus = sorted(os.sched_getaffinity(0))
        self.cpus = cpus
        if len(cpus) >= 2:
            self.generator = str(cpus[0])
            self.servers = ",".join(str(c) for c in cpus[1:])
        else:
            self.generator = self.servers = None

    def describe(self):
        if self.generator is None:
            return "not pinned (one CPU)"
        return f"load generators on CPU {self.generator}, servers on CPU {self.servers}"


def _wrap(cmd, cpus, cgroup):
    out = []
    if cpus is not None:
        out += ["taskset", "-c", cpus]
    if cgroup is not None:
        ensure_cgroup(cgroup)
        procs = os.path.join(v2_root(), cgroup, "cgroup.procs")
        out += ["sh", "-c", 'echo $$ > "$0" && exec "$@"', procs]
    return out + [str(c) for c in cmd]


def start(cmd, log, cpus=None, cgroup=None, env=None, stdout=None):
    """Starts a long-running process (its own process group); stdout/stderr to log unless stdout is given."""
    e = dict(os.environ)
    if env:
        e.update(env)
    logf = open(log, "ab")
    p = subprocess.Popen(_wrap(cmd, cpus, cgroup), stdout=stdout or logf, stderr=logf, env=e,
                         start_new_session=True)
    p.log = log
    _started.append(p)
    return p


def run(cmd, cpus=None, cgroup=None, timeout=600, env=None, check=True):
    """Runs a command to completion; returns its stdout (text)."""
    e = dict(os.environ)
    if env:
        e.update(env)
    r = subprocess.run(_wrap(cmd, cpus, cgroup), capture_output=True, text=True, timeout=timeout, env=e)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {r.returncode}: {r.stderr.strip()[-2000:]}")
    return r.stdout


def run_json(cmd, **kw):
    out = run(cmd, **kw)
    return json.loads(out.strip().splitlines()[-1])


def stop(p, grace=10):
    if p is None or p.poll() is not None:
        return
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        p.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait(5)


def stop_all():
    while _started:
        stop(_started.pop())


def ensure_cgroup(rel):
    """Re-creates a workload cgroup that vanished (on a shared machine something may remove empty cgroups) and
    gives the agent's reconcile (every second) time to police the new one."""
    path = os.path.join(v2_root(), rel)
    if not os.path.isdir(path):
        os.makedirs(path, exist_ok=True)
        recreated.append(rel)
        print(f"warning: cgroup {rel} had been removed by someone else; re-created it", flush=True)
        time.sleep(2.5)


def make_cgroup(rel):
    path = os.path.join(v2_root(), rel)
    os.makedirs(path, exist_ok=True)
    return rel


def remove_cgroup_tree(rel):
    """Removes a cgroup and its children, once their processes are gone."""
    top = os.path.join(v2_root(), rel)
    if not os.path.isdir(top):
        return
    for d, subdirs, _ in sorted(os.walk(top), key=lambda t: -t[0].count("/")):
        for attempt in range(50):
            try:
                os.rmdir(d)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.1)


def cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def pss_bytes(pid):
    """Proportional set size (shared pages divided among their users); falls back to RSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss_bytes(pid)


def descendants(pid):
    """pid and its live descendants (squid's helpers, for example)."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def http(method, url, body=None, headers=None, timeout=10):
    """(status, headers, body text); never raises on HTTP errors."""
    req = urllib.request.Request(url, data=body.encode() if isinstance(body, str) else body, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode(errors="replace")


def wait_for(check, seconds, what):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as e:  # noqa: BLE001 - keep polling until the deadline
            last = e
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}" + (f" ({last})" if last else ""))


class Sampler:
    """Samples the RSS/PSS of some processes every interval, keeping the maxima, while a load runs."""

    def __init__(self, pids_by_name, interval=0.5):
        import threading
        self.pids = pids_by_name
        self.max_rss = {n: 0 for n in pids_by_name}
        self.max_pss = {n: 0 for n in pids_by_name}
        self.interval = interval
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self):
        for n, pid in self.pids.items():
            try:
                pids = descendants(pid)
                self.max_rss[n] = max(self.max_rss[n], sum(rss_bytes(p) for p in pids))
                self.max_pss[n] = max(self.max_pss[n], sum(pss_bytes(p) for p in pids))
            except OSError:
                pass

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *a):
        self._stop.set()
        self._t.join()
        self.sample()
