package dev.egret.node.run;

import dev.egret.node.run.MountTable.Mount;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How {@code egret run} keeps its command, even a root one, from undoing its own enforcement. Pure: it only writes
 * the shell steps.
 *
 * <p>The command joins its workload cgroup, then enters a cgroup namespace rooted there and a private mount
 * namespace in which every cgroup hierarchy is mounted afresh from inside the namespace (so its root is the
 * workload's cgroup, or its v1 mirror) and read-only, and bpffs is not mounted at all. It then runs without the
 * capabilities that could undo any of it: mounting or leaving the namespaces ({@code CAP_SYS_ADMIN}), BPF objects
 * ({@code CAP_BPF}, {@code CAP_PERFMON}), the network configuration ({@code CAP_NET_ADMIN}), raw and packet sockets
 * ({@code CAP_NET_RAW}, kept when they are allowed), kernel modules ({@code CAP_SYS_MODULE}), other processes' mounts
 * and memory ({@code CAP_SYS_PTRACE}, {@code CAP_SYS_RAWIO}) and file handles across mounts
 * ({@code CAP_DAC_READ_SEARCH}). A cgroup namespace alone is no boundary unless cgroup2 is mounted with
 * {@code nsdelegate}, and cgroup v1 has no such boundary at all: the read-only mounts are what refuse a move.
 * Pinned BPF links can be detached by whoever opens their pin, with no capability: hence no bpffs.
 */
public final class Confinement {
    /** Dropped from the bounding, inheritable and ambient sets (and so from the effective set after exec). */
    static final List<String> DROPPED = List.of("sys_admin", "bpf", "perfmon", "net_admin", "net_raw", "sys_module",
            "sys_ptrace", "sys_rawio", "dac_read_search");
    /**
     * Joins the cgroup.procs files in {@code $EGRET_CGROUP_PROCS} (cgroup2 first, then the v1 mirrors), then enters
     * the namespaces and runs {@code $EGRET_CONFINE} there. One process from here to the command: each step execs.
     */
    static final String JOIN_AND_CONFINE = "for f in $EGRET_CGROUP_PROCS; do echo $$ > \"$f\" || exit 125; done; "
            + "unset EGRET_CGROUP_PROCS; "
            + "exec unshare --cgroup --mount --propagation private -- /bin/sh -c \"$EGRET_CONFINE\" egret-run \"$@\"";
    private static final Set<String> NOT_HIERARCHY_OPTIONS = Set.of("rw", "ro", "seclabel");

    private final List<String> steps;
    private final List<String> dropped;

    private Confinement(List<String> steps, List<String> dropped) {
        this.steps = List.copyOf(steps);
        this.dropped = List.copyOf(dropped);
    }

    /**
     * @param mounts        the mount table the command starts from
     * @param keepNetRaw    whether the command may keep {@code CAP_NET_RAW} (raw sockets allowed, or audit mode)
     */
    public static Confinement of(List<Mount> mounts, boolean keepNetRaw) {
        Map<String, Mount> visible = new LinkedHashMap<>();
        for (Mount m : mounts) {
            visible.remove(m.mountPoint()); // keep mount order, the last one on a path is the one seen
            visible.put(m.mountPoint(), m);
        }
        List<String> steps = new ArrayList<>();
        List<String> replaced = new ArrayList<>();
        for (Mount m : visible.values()) {
            boolean cgroup = m.fsType().equals("cgroup") || m.fsType().equals("cgroup2");
            if ((!cgroup && !m.fsType().equals("bpf")) || under(m.mountPoint(), replaced)) {
                continue;
            }
            replaced.add(m.mountPoint());
            String at = quote(m.mountPoint());
            if (cgroup) {
                String options = m.fsType().equals("cgroup") ? hierarchyOptions(m.superOptions()) : "";
                steps.add("{ umount -l " + at + " && mount -t " + m.fsType() + (options.isEmpty() ? "" : " -o " + options)
                        + " " + m.fsType() + " " + at + " && mount -o remount,bind,ro " + at + "; } || fail "
                        + quote("cannot mount " + m.mountPoint() + " read-only in a cgroup namespace"));
            } else {
                steps.add("umount -l " + at + " || fail " + quote("cannot unmount bpffs at " + m.mountPoint()));
            }
        }
        List<String> dropped = DROPPED.stream().filter(c -> !(keepNetRaw && c.equals("net_raw"))).toList();
        return new Confinement(steps, dropped);
    }

    /** The capabilities the command runs without, as setpriv names them. */
    public List<String> droppedCapabilities() {
        return dropped;
    }

    /** The script {@code /bin/sh} runs inside the new namespaces, its arguments the command; exits 125 on failure. */
    public String script() {
        StringBuilder sb = new StringBuilder();
        sb.append("unset EGRET_CONFINE\n");
        sb.append("fail() { echo \"egret: cannot confine the command: $1\" >&2; exit 125; }\n");
        steps.forEach(s -> sb.append(s).append('\n'));
        String caps = String.join(",", dropped.stream().map(c -> "-" + c).toList());
        sb.append("exec setpriv --bounding-set ").append(caps).append(" --inh-caps ").append(caps).append(" -- \"$@\"\n");
        return sb.toString();
    }

    /** The process to start: the command, joined to the cgroup.procs files and confined. */
    public List<String> command(List<String> command) {
        List<String> out = new ArrayList<>(List.of("/bin/sh", "-c", JOIN_AND_CONFINE, "egret-run"));
        out.addAll(command);
        return out;
    }

    /** The environment {@link #command} needs besides the inherited one. */
    public Map<String, String> environment(List<String> procsFiles) {
        return Map.of("EGRET_CGROUP_PROCS", String.join(" ", procsFiles), "EGRET_CONFINE", script());
    }

    /**
     * The options that name a v1 hierarchy (its controllers, {@code name=}, ...), without the read-write flag and
     * the release agent, which cannot be given from a cgroup namespace.
     */
    static String hierarchyOptions(String superOptions) {
        List<String> out = new ArrayList<>();
        for (String o : superOptions.split(",")) {
            if (!o.isEmpty() && !NOT_HIERARCHY_OPTIONS.contains(o) && !o.startsWith("release_agent=")) {
                out.add(o);
            }
        }
        return String.join(",", out);
    }

    private static boolean under(String path, List<String> roots) {
        for (String r : roots) {
            if (path.startsWith(r.endsWith("/") ? r : r + "/")) {
                return true;
            }
        }
        return false;
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\"'\"'") + "'";
    }
}
