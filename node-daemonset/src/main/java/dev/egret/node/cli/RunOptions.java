package dev.egret.node.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The arguments of {@code egret run --policy FILE [--mode audit|enforce] [--audit-log FILE] -- CMD [ARGS...]}.
 *
 * @param policyFile the policy to run under
 * @param mode       overrides the policy's mode when present ("audit" or "enforce")
 * @param auditLog   where to write one JSON line per event, when present
 * @param pinDir     the bpffs directory under which the run pins its programs and maps
 * @param cgroupParent the parent of the workload cgroup, relative to the cgroup2 root
 * @param dnsUpstreams resolvers the DNS proxy forwards to ({@code HOST:PORT}); empty: the host's resolv.conf
 * @param dnsGrace   added to every learned IP's TTL
 * @param command    the command and its arguments
 */
public record RunOptions(Path policyFile, Optional<String> mode, Optional<Path> auditLog, Path pinDir, String cgroupParent,
                         List<String> dnsUpstreams, java.time.Duration dnsGrace, List<String> command) {

    public static final Path DEFAULT_PIN_DIR = Path.of("/sys/fs/bpf/egret");
    public static final String DEFAULT_CGROUP_PARENT = "egret";

    public RunOptions {
        if (policyFile == null) {
            throw new UsageException("--policy FILE is required");
        }
        mode.ifPresent(m -> {
            if (!m.equals("audit") && !m.equals("enforce")) {
                throw new UsageException("--mode must be audit or enforce, not '" + m + "'");
            }
        });
        if (command == null || command.isEmpty()) {
            throw new UsageException("give the command to run after --");
        }
        command = List.copyOf(command);
        dnsUpstreams = List.copyOf(dnsUpstreams);
    }

    public static RunOptions parse(List<String> args) {
        Path policy = null;
        String mode = null;
        Path audit = null;
        Path pinDir = DEFAULT_PIN_DIR;
        String parent = DEFAULT_CGROUP_PARENT;
        List<String> upstreams = new ArrayList<>();
        java.time.Duration grace = java.time.Duration.ofSeconds(5);
        List<String> command = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--" -> {
                    command.addAll(args.subList(i + 1, args.size()));
                    i = args.size();
                }
                case "--policy" -> policy = Path.of(value(args, ++i, a));
                case "--mode" -> mode = value(args, ++i, a);
                case "--audit-log" -> audit = Path.of(value(args, ++i, a));
                case "--pin-dir" -> pinDir = Path.of(value(args, ++i, a));
                case "--cgroup-parent" -> parent = value(args, ++i, a);
                case "--dns-upstream" -> upstreams.add(value(args, ++i, a));
                case "--dns-grace" -> grace = seconds(value(args, ++i, a), a);
                default -> throw new UsageException("unknown option '" + a + "' (the command goes after --)");
            }
        }
        return new RunOptions(policy, Optional.ofNullable(mode), Optional.ofNullable(audit), pinDir, parent, upstreams, grace, command);
    }

    static java.time.Duration seconds(String v, String option) {
        try {
            long s = Long.parseLong(v.endsWith("s") ? v.substring(0, v.length() - 1) : v);
            if (s >= 0) {
                return java.time.Duration.ofSeconds(s);
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw new UsageException(option + " takes seconds (e.g. 5 or 5s), not '" + v + "'");
    }

    static String value(List<String> args, int i, String option) {
        if (i >= args.size() || args.get(i).startsWith("--")) {
            throw new UsageException(option + " needs a value");
        }
        return args.get(i);
    }
}
