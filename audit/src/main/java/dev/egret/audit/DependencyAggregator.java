package dev.egret.audit;

import dev.egret.policy.DnsNames;
import dev.egret.policy.EgressPolicy;
import dev.egret.policy.Verdict;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Folds audit events into per-workload dependencies, one event at a time (so a store can keep it current), and
 * renders them against the policies of the moment.
 *
 * <p>Connects are grouped by destination (name when known, else address), port and protocol. A DNS query has no port:
 * its counts join the entry of the same name with the lowest port, or stand alone (port and protocol null) when the
 * name was never connected to. Not thread-safe; pure.
 */
public final class DependencyAggregator {
    static final int MAX_ADDRESSES = 16;
    private static final String SOCKET = "socket";

    private final Map<String, WorkloadAcc> workloads = new TreeMap<>();
    private final AddressNames addressNames = new AddressNames();

    private record Key(boolean dns, String destination, int port, String protocol) {
    }

    private static final class WorkloadAcc {
        String policy;
        Instant latest = Instant.MIN;
        final Set<String> nodes = new TreeSet<>();
        final Map<Key, Acc> entries = new HashMap<>();
    }

    private static final class Acc {
        String name;
        String address;
        InetAddress ip;
        final Set<String> addresses = new LinkedHashSet<>();
        final Set<InetAddress> ips = new LinkedHashSet<>();
        final EnumSet<AuditEvent.Kind> kinds = EnumSet.noneOf(AuditEvent.Kind.class);
        long count;
        Instant first;
        Instant last;
        final EnumMap<Verdict, Long> verdicts = new EnumMap<>(Verdict.class);
        boolean protectsRule;

        void add(AuditEvent e) {
            kinds.add(e.kind());
            count += e.count();
            first = first == null || e.firstSeen().isBefore(first) ? e.firstSeen() : first;
            last = last == null || e.time().isAfter(last) ? e.time() : last;
            verdicts.merge(e.verdict(), e.count(), Long::sum);
            protectsRule |= e.rule() != null && e.rule().startsWith("spec.protects");
            if (name != null && e.address() != null && addresses.size() < MAX_ADDRESSES
                    && addresses.add(e.address())) {
                InetAddress a = AddressNames.parse(e.address());
                if (a != null) {
                    ips.add(a);
                }
            }
        }

        void merge(Acc o) {
            kinds.addAll(o.kinds);
            count += o.count;
            first = first.isBefore(o.first) ? first : o.first;
            last = last.isAfter(o.last) ? last : o.last;
            o.verdicts.forEach((v, n) -> verdicts.merge(v, n, Long::sum));
            protectsRule |= o.protectsRule;
        }
    }

    public void add(AuditEvent e) {
        addressNames.learn(e);
        WorkloadAcc w = workloads.computeIfAbsent(e.workload(), k -> new WorkloadAcc());
        if (!e.time().isBefore(w.latest)) {
            w.latest = e.time();
            w.policy = e.policy();
        }
        w.nodes.add(e.node());
        Key key = keyOf(e);
        Acc acc = w.entries.get(key);
        if (acc == null) {
            acc = new Acc();
            acc.name = e.name() == null ? null : DnsNames.normalize(e.name());
            if (acc.name == null && e.address() != null) {
                acc.address = e.address();
                acc.ip = AddressNames.parse(e.address());
            }
            w.entries.put(key, acc);
        }
        acc.add(e);
    }

    public void addAll(Iterable<AuditEvent> events) {
        events.forEach(this::add);
    }

    private static Key keyOf(AuditEvent e) {
        String name = e.name() == null ? null : DnsNames.normalize(e.name());
        if (e.kind() == AuditEvent.Kind.DNS && name != null) {
            return new Key(true, name, 0, null);
        }
        String dest = name != null ? name : e.address() != null ? canonical(e.address()) : SOCKET;
        return new Key(false, dest, e.port(), e.protocol());
    }

    private static String canonical(String address) {
        InetAddress ip = AddressNames.parse(address);
        return ip == null ? address : ip.getHostAddress();
    }

    /**
     * The dependencies of every workload (or of one), ordered by workload, then destination and port.
     *
     * @param policies the controller's current policy of a name, or null when it holds none
     */
    public List<WorkloadDependencies> view(Function<String, EgressPolicy> policies, String onlyWorkload) {
        List<WorkloadDependencies> out = new ArrayList<>();
        for (Map.Entry<String, WorkloadAcc> w : workloads.entrySet()) {
            if (onlyWorkload == null || onlyWorkload.equals(w.getKey())) {
                out.add(render(w.getKey(), w.getValue(), policies));
            }
        }
        return out;
    }

    private WorkloadDependencies render(String workload, WorkloadAcc w, Function<String, EgressPolicy> policies) {
        EgressPolicy policy = w.policy == null ? null : policies.apply(w.policy);
        Circularity circularity = new Circularity(policy, addressNames);
        Map<Key, Acc> merged = new TreeMap<>(Comparator.comparing(Key::destination)
                .thenComparing(k -> k.dns() ? Integer.MAX_VALUE : k.port())
                .thenComparing(k -> k.protocol() == null ? "" : k.protocol())
                .thenComparing(Key::dns));
        Map<String, Key> lowestPortOfName = new HashMap<>();
        for (Map.Entry<Key, Acc> e : w.entries.entrySet()) {
            Key k = e.getKey();
            if (!k.dns()) {
                Acc copy = copy(e.getValue());
                merged.put(k, copy);
                if (copy.name != null) {
                    lowestPortOfName.merge(k.destination(), k, (a, b) -> order(a, b) <= 0 ? a : b);
                }
            }
        }
        for (Map.Entry<Key, Acc> e : w.entries.entrySet()) {
            if (e.getKey().dns()) {
                Key target = lowestPortOfName.get(e.getKey().destination());
                if (target != null) {
                    merged.get(target).merge(e.getValue());
                } else {
                    merged.put(e.getKey(), copy(e.getValue()));
                }
            }
        }
        List<DependencyEntry> entries = new ArrayList<>(merged.size());
        for (Map.Entry<Key, Acc> e : merged.entrySet()) {
            entries.add(entry(e.getKey(), e.getValue(), circularity));
        }
        return new WorkloadDependencies(workload, w.policy, policy == null ? null : policy.spec().mode().wireName(),
                List.copyOf(w.nodes), entries);
    }

    private static int order(Key a, Key b) {
        int c = Integer.compare(a.port(), b.port());
        return c != 0 ? c : String.valueOf(a.protocol()).compareTo(String.valueOf(b.protocol()));
    }

    private static Acc copy(Acc a) {
        Acc c = new Acc();
        c.name = a.name;
        c.address = a.address;
        c.ip = a.ip;
        c.addresses.addAll(a.addresses);
        c.ips.addAll(a.ips);
        c.kinds.addAll(a.kinds);
        c.count = a.count;
        c.first = a.first;
        c.last = a.last;
        c.verdicts.putAll(a.verdicts);
        c.protectsRule = a.protectsRule;
        return c;
    }

    private static DependencyEntry entry(Key k, Acc a, Circularity circularity) {
        boolean circular = a.protectsRule || circularity.isProtectedName(a.name)
                || circularity.isProtectedAddress(a.ip) || a.ips.stream().anyMatch(circularity::isProtectedAddress);
        List<String> flags = new ArrayList<>();
        if (circular) {
            flags.add(DependencyEntry.CIRCULAR);
        }
        if (a.verdicts.containsKey(Verdict.AUDIT_DENY)) {
            flags.add(DependencyEntry.UNLISTED);
        }
        Map<String, Long> verdicts = new LinkedHashMap<>();
        a.verdicts.forEach((v, n) -> verdicts.put(v.wireName(), n));
        List<String> kinds = a.kinds.stream().map(AuditEvent.Kind::wireName).sorted().toList();
        return new DependencyEntry(k.destination(), a.name, a.address, List.copyOf(a.addresses),
                k.dns() ? null : k.port(), k.dns() ? null : k.protocol(), kinds, a.count, a.first, a.last,
                verdicts, List.copyOf(flags));
    }
}
