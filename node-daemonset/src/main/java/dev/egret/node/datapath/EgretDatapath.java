package dev.egret.node.datapath;

import dev.egret.libbpf.BpfException;
import dev.egret.libbpf.BpfLink;
import dev.egret.libbpf.BpfMap;
import dev.egret.libbpf.BpfObject;
import dev.egret.libbpf.Netns;
import dev.egret.libbpf.RingBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The one owner of Egret's kernel state: loads and attaches the programs (or adopts what is pinned), and makes
 * every map write. Writes are serialized here. Closing releases this process's handles; the pinned links and maps
 * keep enforcing until {@link #uninstall(Path)}.
 */
public final class EgretDatapath implements AutoCloseable {
    private final DatapathConfig config;
    private final Map<String, BpfMap> maps = new LinkedHashMap<>();
    private final boolean adopted;
    private final List<String> unavailable;
    private final ReentrantLock learnedLock = new ReentrantLock();

    private EgretDatapath(DatapathConfig config, boolean adopted, List<String> unavailable) {
        this.config = config;
        this.adopted = adopted;
        this.unavailable = List.copyOf(unavailable);
    }

    /** Adopts the pinned datapath in {@code pinDir}, loading and attaching whatever is missing. */
    public static EgretDatapath open(DatapathConfig config) {
        Bpffs.ensureMounted(config.pinDir());
        try {
            Files.createDirectories(config.pinDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create pin directory " + config.pinDir(), e);
        }
        boolean adopted = true;
        List<String> unavailable = new ArrayList<>();
        Path objects = null;
        try {
            for (Programs.Program p : Programs.ALL) {
                if (Files.exists(linkPin(config.pinDir(), p))) {
                    continue;
                }
                if (objects == null) {
                    objects = extractObjects();
                }
                try {
                    loadAndAttach(config, objects.resolve(p.object() + ".bpf.o"), p);
                    adopted = false;
                } catch (BpfException e) {
                    if (!p.optional()) {
                        throw e;
                    }
                    unavailable.add(p.name() + " (" + e.getMessage() + ")");
                    try {
                        Files.deleteIfExists(config.pinDir().resolve("prog_" + p.name()));
                    } catch (IOException ignored) {
                        // nothing pinned
                    }
                }
            }
        } finally {
            deleteTree(objects);
        }
        EgretDatapath d = new EgretDatapath(config, adopted, unavailable);
        try {
            for (String m : Programs.MAPS) {
                d.maps.put(m, BpfMap.openPinned(m, config.pinDir().resolve(m)));
            }
            d.checkLayouts();
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    private static void loadAndAttach(DatapathConfig config, Path object, Programs.Program p) {
        try (BpfObject obj = BpfObject.open(object, config.pinDir())) {
            config.mapSizes().forEach(obj::maxEntries);
            if (p.optional()) {
                obj.loadQuietly();
            } else {
                obj.load();
            }
            Path progPin = config.pinDir().resolve("prog_" + p.name());
            Files.deleteIfExists(progPin);
            obj.pinProgram(p.name(), progPin);
            try (BpfLink link = obj.attach(p.name(), config.attachCgroup(), p.attach())) {
                link.pin(linkPin(config.pinDir(), p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pinned maps made by an Egret with another contract cannot be adopted: say so rather than fail on a write. */
    private void checkLayouts() {
        Map<String, int[]> expected = Map.of(
                KernelContract.MAP_LEARNED, new int[]{KernelContract.LEARNED_KEY_SIZE, KernelContract.LEARNED_SIZE},
                KernelContract.MAP_DNS_SOCKS, new int[]{8, KernelContract.DNS_ORIG_SIZE},
                KernelContract.MAP_DNS_CLIENTS, new int[]{KernelContract.DNS_CLIENT_KEY_SIZE, KernelContract.DNS_ORIG_SIZE});
        expected.forEach((name, sizes) -> {
            BpfMap m = maps.get(name);
            if (m.keySize() != sizes[0] || m.valueSize() != sizes[1]) {
                throw new IllegalStateException("pinned map " + name + " in " + config.pinDir() + " has key/value sizes "
                        + m.keySize() + "/" + m.valueSize() + ", this Egret needs " + sizes[0] + "/" + sizes[1]
                        + ": it was made by another version; remove the old datapath (egret node --uninstall) first");
            }
        });
    }

    static Path linkPin(Path pinDir, Programs.Program p) {
        return pinDir.resolve("link_" + p.name());
    }

    /** True when every program was already attached and pinned (nothing was loaded now). */
    public boolean adopted() {
        return adopted;
    }

    /** Optional programs this kernel would not load or attach, with the reason. */
    public List<String> unavailable() {
        return unavailable;
    }

    public DatapathConfig config() {
        return config;
    }

    /** Makes the rule tries hold exactly {@code policy}'s entries for its slot, by difference. */
    public synchronized void applyPolicy(CompiledPolicy policy) {
        int slot = policy.slot();
        reconcile(KernelContract.MAP_ALLOW4, policy.allow4(), slot);
        reconcile(KernelContract.MAP_ALLOW6, policy.allow6(), slot);
        reconcile(KernelContract.MAP_DENY4, policy.deny4(), slot);
        reconcile(KernelContract.MAP_DENY6, policy.deny6(), slot);
    }

    private void reconcile(String map, Map<BpfMap.Key, byte[]> desired, int slot) {
        MapDiff.between(entriesOf(map, slot), desired, k -> true).applyTo(maps.get(map));
    }

    private Map<BpfMap.Key, byte[]> entriesOf(String map, int slot) {
        Map<BpfMap.Key, byte[]> current = new HashMap<>();
        maps.get(map).entries().forEach((k, v) -> {
            if (LpmKeys.slotOf(k.bytes()) == slot) {
                current.put(k, v);
            }
        });
        return current;
    }

    /** True when the rule tries hold exactly {@code policy}'s entries for its slot. */
    public synchronized boolean holds(CompiledPolicy policy) {
        return MapDiff.between(entriesOf(KernelContract.MAP_ALLOW4, policy.slot()), policy.allow4(), k -> true).isEmpty()
                && MapDiff.between(entriesOf(KernelContract.MAP_ALLOW6, policy.slot()), policy.allow6(), k -> true).isEmpty()
                && MapDiff.between(entriesOf(KernelContract.MAP_DENY4, policy.slot()), policy.deny4(), k -> true).isEmpty()
                && MapDiff.between(entriesOf(KernelContract.MAP_DENY6, policy.slot()), policy.deny6(), k -> true).isEmpty();
    }

    /** Removes every rule of a slot (after its workloads are unbound). */
    public synchronized void removeSlot(int slot) {
        for (String m : List.of(KernelContract.MAP_ALLOW4, KernelContract.MAP_ALLOW6, KernelContract.MAP_DENY4,
                KernelContract.MAP_DENY6)) {
            reconcile(m, Map.of(), slot);
        }
    }

    /** Slots that have entries in any rule trie. */
    public synchronized Set<Integer> ruleSlots() {
        Set<Integer> out = new TreeSet<>();
        for (String m : List.of(KernelContract.MAP_ALLOW4, KernelContract.MAP_ALLOW6, KernelContract.MAP_DENY4,
                KernelContract.MAP_DENY6)) {
            maps.get(m).keys().forEach(k -> out.add(LpmKeys.slotOf(k)));
        }
        return out;
    }

    /** Polices a cgroup (and its descendants) with a slot; creates its counters. */
    public synchronized void bindWorkload(long cgroupId, WorkloadEntry entry) {
        byte[] key = WorkloadEntry.key(cgroupId);
        maps.get(KernelContract.MAP_COUNTERS).putIfAbsent(key, Counters.zero());
        maps.get(KernelContract.MAP_WORKLOADS).put(key, entry.encode());
    }

    public synchronized void unbindWorkload(long cgroupId) {
        byte[] key = WorkloadEntry.key(cgroupId);
        maps.get(KernelContract.MAP_WORKLOADS).delete(key);
        maps.get(KernelContract.MAP_COUNTERS).delete(key);
    }

    public Map<Long, WorkloadEntry> workloads() {
        Map<Long, WorkloadEntry> out = new LinkedHashMap<>();
        maps.get(KernelContract.MAP_WORKLOADS).entries()
                .forEach((k, v) -> out.put(WorkloadEntry.cgroupIdOf(k.bytes()), WorkloadEntry.decode(v)));
        return out;
    }

    /** Slots in use by bound workloads. */
    public Set<Integer> usedSlots() {
        Set<Integer> s = new TreeSet<>();
        workloads().values().forEach(w -> s.add(w.slot()));
        return s;
    }

    public Counters counters(long cgroupId) {
        return maps.get(KernelContract.MAP_COUNTERS).get(WorkloadEntry.key(cgroupId)).map(Counters::decode)
                .orElse(Counters.ZERO);
    }

    /**
     * Runs {@code work} while no other thread changes the learned map through this datapath, so that a read, a merge
     * and a write inside it are one step: the DNS proxy's learns (on the event loop) and the sweeper's deletes (on the
     * writer) cannot undo each other. {@link #learn} and {@link #forget} take the same lock.
     */
    public <T> T learnedExclusive(Supplier<T> work) {
        learnedLock.lock();
        try {
            return work.get();
        } finally {
            learnedLock.unlock();
        }
    }

    /**
     * Allows an address for a workload (its bound cgroup) until its deadline; a full map throws a
     * {@link BpfException} whose {@link BpfException#isMapFull()} is true (the caller must not release the answer).
     */
    public void learn(LearnedIp ip) {
        learnedExclusive(() -> {
            maps.get(KernelContract.MAP_LEARNED).put(ip.key(), ip.value());
            return null;
        });
    }

    /** The learned entry of an address for a workload, if any (expired ones included until they are swept). */
    public Optional<LearnedIp> learned(long cgroupId, InetAddress address) {
        return maps.get(KernelContract.MAP_LEARNED).get(LearnedIp.key(cgroupId, address))
                .map(v -> LearnedIp.decode(cgroupId, address, v));
    }

    /** Every learned entry (expired ones included until they are swept); a read, fine on any thread. */
    public List<LearnedIp> learnedEntries() {
        List<LearnedIp> out = new ArrayList<>();
        maps.get(KernelContract.MAP_LEARNED).entries().forEach((k, v) -> out.add(LearnedIp.decode(k.bytes(), v)));
        return out;
    }

    /** Deletes one learned entry; true when it was there. */
    public boolean forget(LearnedIp ip) {
        return learnedExclusive(() -> maps.get(KernelContract.MAP_LEARNED).delete(ip.key()));
    }

    /** Deletes every learned entry of these cgroups (unbound, or bound to another policy); returns how many. */
    public int forgetLearned(Set<Long> cgroupIds) {
        BpfMap learned = maps.get(KernelContract.MAP_LEARNED);
        int n = 0;
        for (byte[] k : learned.keys()) { // the walk without the lock, each delete under it (a learn is not undone)
            if (cgroupIds.contains(ByteBuffer.wrap(k).order(ByteOrder.nativeOrder()).getLong())
                    && learnedExclusive(() -> learned.delete(k))) {
                n++;
            }
        }
        return n;
    }

    /** Sends policed workloads' DNS to the proxy on the node's loopback at {@code port} (0: no proxy, DNS is policed). */
    public void redirectDns(int port) {
        redirectDns(port, List.of());
    }

    /**
     * Sends policed workloads' DNS to the proxy at {@code port}: on the node's loopback for sockets in the node's
     * network namespace, and on {@code podAddresses} (an IPv4 and/or an IPv6 address of this node, where the proxy
     * also listens) for sockets in other namespaces, such as pods, whose loopback is their own.
     */
    public synchronized void redirectDns(int port, List<InetAddress> podAddresses) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("DNS proxy port out of range: " + port);
        }
        ByteBuffer b = ByteBuffer.allocate(KernelContract.DNS_CONFIG_SIZE).order(ByteOrder.nativeOrder());
        b.put(new byte[]{127, 0, 0, 1});
        byte[] v6 = new byte[16];
        v6[15] = 1;
        b.put(v6);
        b.order(ByteOrder.BIG_ENDIAN).putShort(KernelContract.DNS_CONFIG_PORT, (short) port).order(ByteOrder.nativeOrder());
        for (InetAddress a : podAddresses) {
            if (a instanceof Inet4Address) {
                b.put(KernelContract.DNS_CONFIG_POD_IP4, a.getAddress());
            } else {
                b.put(KernelContract.DNS_CONFIG_POD_IP6, a.getAddress());
            }
        }
        b.putLong(KernelContract.DNS_CONFIG_HOST_NETNS, podAddresses.isEmpty() ? 0 : Netns.currentCookie());
        maps.get(KernelContract.MAP_DNS_CONFIG).put(new byte[4], b.array());
    }

    /** Who sent the DNS query arriving at the proxy from {@code clientAddress}:{@code clientPort}, if the kernel saw it. */
    public Optional<DnsClient> dnsClient(int family, int protocol, InetAddress clientAddress, int clientPort) {
        ByteBuffer k = ByteBuffer.allocate(KernelContract.DNS_CLIENT_KEY_SIZE).order(ByteOrder.nativeOrder());
        k.put((byte) family).put((byte) protocol).putShort((short) clientPort);
        k.put(KernelContract.DNS_CLIENT_KEY_ADDR, LearnedIp.mapped(clientAddress));
        return maps.get(KernelContract.MAP_DNS_CLIENTS).get(k.array()).map(DnsClient::decode);
    }

    public long eventsLost() {
        byte[] idx = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(KernelContract.STAT_EVENTS_LOST).array();
        return maps.get(KernelContract.MAP_STATS).get(idx)
                .map(v -> ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong()).orElse(0L);
    }

    /** Entries and capacity of each map with entries (the event ring and the stats array excluded). */
    public Map<String, long[]> usage() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, BpfMap> e : maps.entrySet()) {
            if (e.getKey().equals(KernelContract.MAP_EVENTS) || e.getKey().equals(KernelContract.MAP_STATS)) {
                continue;
            }
            out.put(e.getKey(), new long[]{e.getValue().size(), e.getValue().maxEntries()});
        }
        return out;
    }

    /** A reader of the event ring; poll it from one thread. */
    public RingBuffer events(Consumer<EgressEvent> consumer) {
        return new RingBuffer(maps.get(KernelContract.MAP_EVENTS), b -> consumer.accept(EgressEvent.decode(b)));
    }

    @Override
    public synchronized void close() {
        maps.values().forEach(BpfMap::close);
        maps.clear();
    }

    /** Detaches every program and removes every pin under {@code pinDir}. */
    public static void uninstall(Path pinDir) {
        if (!Files.isDirectory(pinDir)) {
            return;
        }
        try (Stream<Path> children = Files.list(pinDir)) {
            for (Path child : children.filter(Files::isDirectory).toList()) {
                uninstall(child); // e.g. node/ and the run-*/ directories of egret run
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Programs.Program p : Programs.ALL) {
            Path pin = linkPin(pinDir, p);
            if (Files.exists(pin)) {
                try (BpfLink link = BpfLink.openPinned(pin)) {
                    link.detach();
                } catch (BpfException e) {
                    if (e.errno() != BpfException.ENOENT) {
                        throw e;
                    }
                }
            }
        }
        deleteTree(pinDir);
    }

    private static Path extractObjects() {
        try {
            Path dir = Files.createTempDirectory("egret-bpf");
            for (Programs.Program p : Programs.ALL) {
                String res = "/bpf/" + p.object() + ".bpf.o";
                try (InputStream in = EgretDatapath.class.getResourceAsStream(res)) {
                    if (in == null) {
                        throw new IllegalStateException("BPF object " + res + " is not on the classpath (build bpf/)");
                    }
                    Files.copy(in, dir.resolve(p.object() + ".bpf.o"), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract BPF objects", e);
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
