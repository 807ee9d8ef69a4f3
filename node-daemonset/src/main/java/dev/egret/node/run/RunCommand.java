package dev.egret.node.run;

import dev.egret.libbpf.RingBuffer;
import dev.egret.node.cgroup.CgroupLimits;
import dev.egret.node.cgroup.CgroupMounts;
import dev.egret.node.cgroup.CgroupUsage;
import dev.egret.node.cgroup.WorkloadCgroup;
import dev.egret.node.cli.RunOptions;
import dev.egret.node.datapath.CompiledPolicy;
import dev.egret.node.datapath.DatapathConfig;
import dev.egret.node.datapath.EgressEvent;
import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.datapath.PolicyCompiler;
import dev.egret.node.datapath.WorkloadEntry;
import dev.egret.policy.Decision;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.Mode;
import dev.egret.policy.PolicyDecider;
import dev.egret.policy.Verdict;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * {@code egret run}: runs a command in a fresh cgroup under a policy, enforced by its own pinned programs attached
 * to that cgroup, and reports every destination the command tried. Refuses to run the command if it cannot enforce.
 */
public final class RunCommand {
    /** Exit code when the command could not be started under the policy. */
    public static final int CANNOT_ENFORCE = 125;
    static final int SLOT = 1;

    private final RunOptions options;
    private final PrintStream err;

    public RunCommand(RunOptions options, PrintStream err) {
        this.options = options;
        this.err = err;
    }

    public int run() {
        EgressPolicy policy;
        try {
            policy = Policies.read(options.policyFile());
            if (options.mode().isPresent()) {
                policy = Policies.withMode(policy, options.mode().get().equals("audit") ? Mode.AUDIT : Mode.ENFORCE);
            }
        } catch (RuntimeException e) {
            err.println("egret: invalid policy " + options.policyFile() + ": " + e.getMessage());
            return 2;
        }
        String name = "run-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 6);
        WorkloadCgroup cgroup = null;
        EgretDatapath datapath = null;
        dns = null;
        java.nio.file.Path pinDir = options.pinDir().resolve(name);
        // audit mode refuses nothing, raw sockets included: they are recorded as audit-denied instead
        boolean keepNetRaw = policy.spec().allowRawSockets() || policy.spec().mode() == Mode.AUDIT;
        Confinement confinement;
        try {
            confinement = Confinement.of(MountTable.ofThisProcess(), keepNetRaw);
            preflight(confinement);
            CgroupMounts mounts = CgroupMounts.fromProc();
            StaleRuns.sweep(mounts, options.pinDir(), options.cgroupParent(), err);
            cgroup = WorkloadCgroup.create(mounts, options.cgroupParent(), name, CgroupLimits.of(policy.spec().limits()));
            datapath = EgretDatapath.open(new DatapathConfig(pinDir, cgroup.path(), java.util.Map.of()));
            if (!datapath.unavailable().isEmpty()) {
                err.println("egret: note: optional hooks unavailable on this kernel: " + datapath.unavailable()
                        + (keepNetRaw ? "; packet sockets go unreported"
                                : "; packet sockets are refused by dropping CAP_NET_RAW instead"));
            }
            CompiledPolicy compiled = PolicyCompiler.compile(policy, SLOT);
            datapath.applyPolicy(compiled);
            datapath.bindWorkload(cgroup.id(), WorkloadEntry.of(compiled, true));
            dns = startDns(policy, name, cgroup, datapath);
        } catch (RuntimeException e) {
            err.println("egret: cannot enforce the policy, not running the command: " + e.getMessage());
            cleanup(datapath, pinDir, cgroup);
            return CANNOT_ENFORCE;
        }
        try {
            return supervise(policy, name, cgroup, datapath, confinement);
        } finally {
            cleanup(datapath, pinDir, cgroup);
        }
    }

    private RunDns dns;

    /**
     * Confines {@code true} exactly as the command will be, so that a host where that fails (no namespaces, an
     * unusual cgroup mount, an old setpriv) is told before anything runs.
     */
    private static void preflight(Confinement confinement) {
        ProcessBuilder pb = new ProcessBuilder(confinement.command(List.of("true"))).redirectErrorStream(true);
        pb.environment().putAll(confinement.environment(List.of()));
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("cannot confine the command: the check timed out");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("cannot confine the command (cgroup and mount namespaces, read-only "
                        + "cgroup mounts, dropped capabilities): " + out.replace("\n", "; "));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot confine the command: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Starts this run's DNS proxy and redirects the workload's DNS to it (unless no upstream is known). */
    private RunDns startDns(EgressPolicy policy, String name, WorkloadCgroup cgroup, EgretDatapath datapath) {
        List<String> ups = options.dnsUpstreams().isEmpty()
                ? ResolvConf.nameservers(java.nio.file.Path.of("/etc/resolv.conf")) : options.dnsUpstreams();
        if (ups.isEmpty()) {
            err.println("egret: note: no DNS upstream (--dns-upstream or resolv.conf): DNS is policed like other traffic");
            return null;
        }
        return RunDns.start(datapath, policy, name, cgroup.id(), ups, options.dnsGrace(), this::onDns);
    }

    private final List<dev.egret.node.dns.DnsQueryEvent> dnsEvents = new java.util.concurrent.CopyOnWriteArrayList<>();

    private void onDns(dev.egret.node.dns.DnsQueryEvent e) {
        dnsEvents.add(e);
    }

    private int supervise(EgressPolicy policy, String name, WorkloadCgroup cgroup, EgretDatapath datapath,
                          Confinement confinement) {
        DestinationSummary summary = new DestinationSummary();
        BufferedWriter audit = null;
        List<String> auditErrors = new ArrayList<>();
        try {
            if (options.auditLog().isPresent()) {
                audit = Files.newBufferedWriter(options.auditLog().get(), StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            err.println("egret: cannot open audit log " + options.auditLog().get() + ": " + e.getMessage());
            return CANNOT_ENFORCE;
        }
        BufferedWriter auditLog = audit;
        long monoOffset = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        PolicyDecider decider = PolicyDecider.of(policy);
        EventSink sink = e -> {
            Decision d = EventJson.explain(decider, e);
            String reason = d != null ? d.reason() : e.reason().text();
            summary.add(e, reason);
            if (auditLog != null) {
                try {
                    auditLog.write(EventJson.line(e, Instant.ofEpochSecond(0, e.monotonicNanos() + monoOffset), name,
                            d != null ? d.rule() : e.reason().name().toLowerCase(), reason));
                    auditLog.newLine();
                } catch (IOException ex) {
                    auditErrors.add(ex.getMessage());
                }
            }
        };
        int exit;
        Process child;
        try (RingBuffer events = datapath.events(sink::accept)) {
            EventPump pump = new EventPump(events);
            pump.start();
            try {
                ProcessBuilder pb = new ProcessBuilder(confinement.command(options.command())).inheritIO();
                pb.environment().putAll(confinement.environment(
                        cgroup.procsFiles().stream().map(Object::toString).toList()));
                child = pb.start();
                Signals.forwardTo(child);
                exit = child.waitFor();
            } catch (IOException e) {
                err.println("egret: cannot start " + options.command().get(0) + ": " + e.getMessage());
                exit = 127;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exit = 130;
            } finally {
                pump.stopAndDrain();
            }
        }
        dnsEvents.forEach(summary::addName);
        if (auditLog != null) {
            try {
                for (var e : dnsEvents) {
                    auditLog.write(EventJson.line(e));
                    auditLog.newLine();
                }
            } catch (IOException ex) {
                auditErrors.add(ex.getMessage());
            }
        }
        CgroupUsage usage = cgroup.usage();
        try {
            if (auditLog != null) {
                auditLog.close();
            }
        } catch (IOException e) {
            auditErrors.add(e.getMessage());
        }
        printSummary(policy, summary, usage, datapath.eventsLost());
        if (!auditErrors.isEmpty()) {
            err.println("egret: audit log write failed: " + auditErrors.get(0));
        }
        return exit;
    }

    private void printSummary(EgressPolicy policy, DestinationSummary summary, CgroupUsage usage, long lost) {
        err.printf("egret: %s under policy %s (%s mode): %d allowed, %d denied, %d audit-denied%n",
                String.join(" ", options.command()), policy.name(), policy.spec().mode().wireName(),
                summary.total(Verdict.ALLOW), summary.total(Verdict.DENY), summary.total(Verdict.AUDIT_DENY));
        err.print(summary.render());
        List<String> res = new ArrayList<>();
        if (usage.cpuSeconds() >= 0) {
            res.add(String.format("cpu %.2fs", usage.cpuSeconds()));
        }
        if (usage.memoryBytes() >= 0) {
            res.add("memory " + bytes(usage.memoryBytes()) + (usage.memoryLimitBytes() < 0 ? "" : " (limit " + bytes(usage.memoryLimitBytes()) + ")"));
        }
        if (usage.pids() >= 0) {
            res.add("tasks " + usage.pids());
        }
        if (!res.isEmpty()) {
            err.println("egret: resources: " + String.join(", ", res));
        }
        if (lost > 0) {
            err.println("egret: warning: " + lost + " events were lost (ring buffer full); counts are incomplete");
        }
    }

    private static String bytes(long b) {
        return b < 0 ? "?" : b >= 1 << 20 ? (b >> 20) + "Mi" : b >= 1 << 10 ? (b >> 10) + "Ki" : b + "B";
    }

    private void cleanup(EgretDatapath datapath, java.nio.file.Path pinDir, WorkloadCgroup cgroup) {
        List<String> problems = new ArrayList<>();
        if (dns != null) {
            dns.close();
        }
        if (cgroup != null) {
            try {
                cgroup.terminate();
            } catch (RuntimeException e) {
                problems.add(e.getMessage());
            }
        }
        if (datapath != null) {
            datapath.close();
        }
        try {
            EgretDatapath.uninstall(pinDir);
        } catch (RuntimeException e) {
            problems.add(e.getMessage());
        }
        if (cgroup != null) {
            try {
                cgroup.close();
            } catch (RuntimeException e) {
                problems.add(e.getMessage());
            }
        }
        problems.forEach(p -> err.println("egret: cleanup: " + p));
    }

    /** Receives decoded events on the pump thread. */
    interface EventSink {
        void accept(EgressEvent e);
    }
}
