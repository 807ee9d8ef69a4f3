package dev.egret.node.datapath;

import dev.egret.libbpf.BpfBatchException;
import dev.egret.libbpf.BpfException;
import dev.egret.libbpf.BpfLink;
import dev.egret.libbpf.BpfMap;
import dev.egret.libbpf.BpfObject;
import dev.egret.libbpf.MappedArray;
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
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The one owner of Egret's kernel state: loads and attaches the programs (or adopts what is pinned), and makes
 * every map write. Writes are serialized here. The learned map, which only this owner writes (the kernel only reads
 * it), is mirrored in memory: read when the datapath is opened, then kept in step with every write and delete, so
 * reading an entry (on every DNS answer) or scanning them all (every sweep) costs no syscall. Closing releases this
 * process's handles; the pinned links and maps keep enforcing until {@link #uninstall(Path)}.
 */
public final class EgretDatapath implements AutoCloseable {
    private final DatapathConfig config;
    private final Map<String, BpfMap> maps = new LinkedHashMap<>();
    private final boolean adopted;
    private final List<String> unavailable;
    private final boolean upgraded;
    private final String upgradeProblem;
    private final ReentrantLock learnedLock = new ReentrantLock();
    /** What the kernel's learned map holds, entry for entry; guarded by {@link #learnedLock}. */
    private final Map<AddressKey, Mirrored> learnedMirror = new HashMap<>();

    /**
     * A mirrored entry's value, rewritten in place (an address answered again allocates nothing that outlives the
     * answer). The workload and address are its key's: not held twice, and no {@link InetAddress} kept per entry.
     */
    private static final class Mirrored {
        long expiresNanos;
        RuleValue ports;

        Mirrored(LearnedIp ip) {
            set(ip);
        }

        void set(LearnedIp ip) {
            expiresNanos = ip.expiresNanos();
            if (ports != ip.ports()) { // the same (shared) value again: no store, no card to scan at the next GC
                ports = ip.ports();
            }
        }

        LearnedIp ip(AddressKey key) {
            return new LearnedIp(key.cgroupId(), key.address(), expiresNanos, ports);
        }

        static LearnedIp ip(Map.Entry<AddressKey, Mirrored> e) {
            return e.getValue().ip(e.getKey());
        }
    }

    /** The DNS askers array, mapped; null when the pinned datapath predates it (then every lookup is a syscall). */
    private MappedArray askers;
    private final ThreadLocal<AskerReader> askerReader = ThreadLocal.withInitial(AskerReader::new);

    /**
     * A thread's copy buffer, and the sender it decoded last with the bytes it came from: a workload asking many
     * names in a row (the same process, the same resolver) is decoded once.
     */
    private static final class AskerReader {
        final byte[] copy = new byte[KernelContract.DNS_ASKER_SIZE];
        final byte[] lastOrig = new byte[KernelContract.DNS_ORIG_SIZE];
        DnsClient last;

        DnsClient decode() {
            int at = KernelContract.DNS_ASKER_ORIG;
            int end = at + KernelContract.DNS_ORIG_SIZE;
            if (last == null || !Arrays.equals(copy, at, end, lastOrig, 0, KernelContract.DNS_ORIG_SIZE)) {
                last = DnsClient.decode(copy, at);
                System.arraycopy(copy, at, lastOrig, 0, KernelContract.DNS_ORIG_SIZE);
            }
            return last;
        }
    }
    private final LongAdder askerHits = new LongAdder();
    private final LongAdder askerMisses = new LongAdder();

    private EgretDatapath(DatapathConfig config, boolean adopted, boolean upgraded, String upgradeProblem,
                          List<String> unavailable) {
        this.upgraded = upgraded;
        this.upgradeProblem = upgradeProblem;
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
        boolean upgraded = false;
        String upgradeProblem = null;
        Map<Programs.Program, BpfLink> toUpgrade = new LinkedHashMap<>();
        List<String> unavailable = new ArrayList<>();
        Path objects = null;
        try {
            long attachId = cgroupId(config.attachCgroup());
            String version = programsVersion();
            boolean sameVersion = Files.isDirectory(config.pinDir().resolve(version));
            for (Programs.Program p : Programs.ALL) {
                Path pin = linkPin(config.pinDir(), p);
                BpfLink stale = null;
                if (Files.exists(pin)) {
                    BpfLink pinned = BpfLink.openPinned(pin);
                    long at;
                    try {
                        at = pinned.cgroupId();
                    } catch (RuntimeException e) {
                        pinned.close();
                        throw e;
                    }
                    if (at == attachId) {
                        if (sameVersion) {
                            pinned.close();
                        } else { // pinned by another build of Egret: its link is to run this build's code
                            toUpgrade.put(p, pinned);
                        }
                        continue;
                    }
                    // detached (an uninstall cut short, bpftool link detach) or attached to another cgroup: a pin
                    // is not enforcement. Attach again; the stale link goes when its last fd closes, after that.
                    stale = pinned;
                    deletePin(pin);
                }
                try (BpfLink replaced = stale) {
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
            }
            if (!toUpgrade.isEmpty()) {
                if (objects == null) {
                    objects = extractObjects();
                }
                upgradeProblem = upgrade(config, objects, toUpgrade);
                upgraded = upgradeProblem == null || !upgradeProblem.startsWith(KEPT_ALL);
            }
            if (!sameVersion && upgradeProblem == null) {
                markVersion(config.pinDir(), version);
            }
        } finally {
            toUpgrade.values().forEach(BpfLink::close);
            deleteTree(objects);
        }
        if (BpfLsm.active().map(active -> !active).orElse(false)
                && unavailable.stream().noneMatch(u -> u.startsWith("lsm_socket "))) {
            unavailable.add("lsm_socket (attached, but BPF LSM is not active: add bpf to the kernel's lsm= boot parameter;"
                    + " until then raw and packet sockets are not refused)");
        }
        EgretDatapath d = new EgretDatapath(config, adopted && !upgraded, upgraded, upgradeProblem, unavailable);
        try {
            for (String m : Programs.MAPS) {
                d.maps.put(m, BpfMap.openPinned(m, config.pinDir().resolve(m)));
            }
            d.checkLayouts();
            d.loadLearnedMirror();
            d.mapAskers();
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

    /** The askers array of this datapath, when it has one (an older pinned datapath does not). */
    private void mapAskers() {
        Path pin = config.pinDir().resolve(KernelContract.MAP_DNS_ASKERS);
        if (!Files.exists(pin)) {
            return;
        }
        BpfMap m = BpfMap.openPinned(KernelContract.MAP_DNS_ASKERS, pin);
        maps.put(KernelContract.MAP_DNS_ASKERS, m);
        if (m.valueSize() == KernelContract.DNS_ASKER_SIZE && m.maxEntries() == KernelContract.DNS_ASKERS) {
            askers = m.mapMemory();
        }
    }

    private void loadLearnedMirror() {
        learnedExclusive(() -> {
            learnedMirror.clear();
            maps.get(KernelContract.MAP_LEARNED).entries().forEach((k, v) -> {
                LearnedIp ip = LearnedIp.decode(k.bytes(), v);
                learnedMirror.put(AddressKey.of(ip.cgroupId(), ip.address()), new Mirrored(ip));
            });
            return null;
        });
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

    private static final String KEPT_ALL = "kept the pinned programs of another build";

    /**
     * Runs this build's code in the pinned links of another build's programs: first loads every object against the
     * pinned maps; only when every required one loads, swaps each link's program in one step (BPF_LINK_UPDATE), so
     * enforcement neither lapses nor runs twice, nor runs a mix of builds because one program failed. An optional
     * program that does not load keeps its old code. Null when everything was swapped, else what was kept and why
     * (the version is then not marked, so the next start tries again).
     */
    private static String upgrade(DatapathConfig config, Path objects, Map<Programs.Program, BpfLink> links) {
        Map<Programs.Program, BpfObject> loaded = new LinkedHashMap<>();
        List<String> kept = new ArrayList<>();
        Map<String, Integer> pinnedSizes = new HashMap<>(); // the pinned maps are reused as they are, whatever is configured
        for (String m : Programs.MAPS) {
            Path pin = config.pinDir().resolve(m);
            if (Files.exists(pin)) {
                try (BpfMap map = BpfMap.openPinned(m, pin)) {
                    pinnedSizes.put(m, map.maxEntries());
                }
            }
        }
        try {
            for (Programs.Program p : links.keySet()) {
                BpfObject obj = BpfObject.open(objects.resolve(p.object() + ".bpf.o"), config.pinDir());
                try {
                    config.mapSizes().forEach(obj::maxEntries); // for maps this build adds
                    pinnedSizes.forEach(obj::maxEntries);
                    if (p.optional()) {
                        obj.loadQuietly();
                    } else {
                        obj.load();
                    }
                    loaded.put(p, obj);
                } catch (BpfException e) {
                    obj.close();
                    if (!p.optional()) {
                        return KEPT_ALL + ": " + p.name() + " of this build does not load against the pinned maps ("
                                + e.getMessage() + "); to run this build's programs, egret node --uninstall and restart";
                    }
                    kept.add(p.name() + " (" + e.getMessage() + ")");
                }
            }
            for (Map.Entry<Programs.Program, BpfObject> e : loaded.entrySet()) {
                Programs.Program p = e.getKey();
                e.getValue().replaceProgramOf(links.get(p), p.name());
                Path progPin = config.pinDir().resolve("prog_" + p.name());
                Files.deleteIfExists(progPin);
                e.getValue().pinProgram(p.name(), progPin);
            }
            return kept.isEmpty() ? null : "kept the pinned code of " + String.join(", ", kept);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            loaded.values().forEach(BpfObject::close);
        }
    }

    /**
     * The name of the marker directory that says which build's programs the pinned links run: a digest of the BPF
     * objects on the classpath (bpffs holds no regular files, but directories).
     */
    static String programsVersion() {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            for (Programs.Program p : Programs.ALL) {
                try (InputStream in = EgretDatapath.class.getResourceAsStream("/bpf/" + p.object() + ".bpf.o")) {
                    if (in == null) {
                        throw new IllegalStateException("BPF object " + p.object() + " is not on the classpath (build bpf/)");
                    }
                    md.update(p.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    md.update(in.readAllBytes());
                }
            }
            return "programs-" + java.util.HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot read the BPF objects", e);
        }
    }

    private static void markVersion(Path pinDir, String version) {
        try (Stream<Path> children = Files.list(pinDir)) {
            for (Path old : children.filter(c -> c.getFileName().toString().startsWith("programs-")).toList()) {
                Files.deleteIfExists(old);
            }
            Files.createDirectory(pinDir.resolve(version));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot mark the programs' version in " + pinDir, e);
        }
    }

    /** Why pinned programs of another build were kept (some or all), or null: for the agent to warn. */
    public String upgradeProblem() {
        return upgradeProblem;
    }

    /** Whether this open replaced the code of pinned programs made by another build (their maps and links kept). */
    public boolean upgraded() {
        return upgraded;
    }

    private static void deletePin(Path pin) {
        try {
            Files.delete(pin);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replace the stale pin " + pin, e);
        }
    }

    private static long cgroupId(Path cgroup) {
        try {
            return ((Number) Files.getAttribute(cgroup, "unix:ino")).longValue();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cgroup " + cgroup, e);
        }
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
            if (learnedMirror.size() >= learnedCapacity()
                    && !learnedMirror.containsKey(AddressKey.of(ip.cgroupId(), ip.address()))) {
                throw overCapacity();
            }
            maps.get(KernelContract.MAP_LEARNED).put(ip.key(), ip.value());
            mirror(ip);
            return null;
        });
    }

    /**
     * Allows several addresses at once, in order, with one batch call (one syscall); a full map throws as
     * {@link #learn} does, after the entries before the one that did not fit took effect.
     */
    public void learnBatch(List<LearnedIp> entries) {
        if (entries.size() <= 1) {
            entries.forEach(this::learn);
            return;
        }
        learnedExclusive(() -> {
            int fit = entriesWithinCapacity(entries);
            if (fit < entries.size()) {
                learnBatch(entries.subList(0, fit));
                throw new BpfBatchException(overCapacity().operation(), BpfException.E2BIG, fit);
            }
            List<byte[]> keys = new ArrayList<>(entries.size());
            List<byte[]> values = new ArrayList<>(entries.size());
            for (LearnedIp ip : entries) {
                keys.add(ip.key());
                values.add(ip.value());
            }
            try {
                maps.get(KernelContract.MAP_LEARNED).putAll(keys, values);
            } catch (BpfBatchException e) {
                if (!e.isMapFull()) { // refused as a batch (a kernel without batch calls on hash maps): one at a time
                    entries.forEach(this::learn);
                    return null;
                }
                entries.subList(0, e.done()).forEach(this::mirror); // what went in before the map was full
                throw e;
            }
            entries.forEach(this::mirror);
            return null;
        });
    }

    /** How many of these entries, from the first, fit in the learned capacity (updates of known addresses always do). */
    private int entriesWithinCapacity(List<LearnedIp> entries) {
        long room = learnedCapacity() - learnedMirror.size();
        if (entries.size() <= room) {
            return entries.size(); // the usual case: no key built, nothing allocated
        }
        java.util.Set<AddressKey> added = new java.util.HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            AddressKey k = AddressKey.of(entries.get(i).cgroupId(), entries.get(i).address());
            if (!learnedMirror.containsKey(k) && added.add(k) && added.size() > room) {
                return i;
            }
        }
        return entries.size();
    }

    private BpfException overCapacity() {
        return new BpfException("learn an address: the learned map holds its configured " + learnedCapacity()
                + " entries (" + KernelContract.MAP_LEARNED + " in the map sizes)", BpfException.E2BIG);
    }

    private void mirror(LearnedIp ip) {
        AddressKey k = AddressKey.of(ip.cgroupId(), ip.address());
        Mirrored m = learnedMirror.get(k);
        if (m != null) {
            m.set(ip);
        } else {
            learnedMirror.put(k, new Mirrored(ip));
        }
    }

    /** The learned entry of an address for a workload, if any (expired ones included until they are swept). */
    public Optional<LearnedIp> learned(long cgroupId, InetAddress address) {
        return learnedExclusive(() -> {
            Mirrored m = learnedMirror.get(AddressKey.of(cgroupId, address));
            return m == null ? Optional.<LearnedIp>empty()
                    : Optional.of(new LearnedIp(cgroupId, address, m.expiresNanos, m.ports));
        });
    }

    /**
     * A read-only pass over the learned entries under the learned map's lock. Each is seen through one cursor, moved
     * from entry to entry (nothing is built per entry: a full map is tens of thousands of them); keep what
     * {@link LearnedSweep.Entry#ip()} returns, not the cursor. Keep it short: DNS answers wait for the lock.
     */
    public <T> T withLearned(Function<Iterable<LearnedSweep.Entry>, T> pass) {
        return learnedExclusive(() -> pass.apply(() -> new java.util.Iterator<LearnedSweep.Entry>() {
            private final java.util.Iterator<Map.Entry<AddressKey, Mirrored>> it = learnedMirror.entrySet().iterator();
            private final Cursor cursor = new Cursor();

            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public LearnedSweep.Entry next() {
                cursor.at = it.next();
                return cursor;
            }
        }));
    }

    /** The learned entry a pass is at. */
    private static final class Cursor implements LearnedSweep.Entry {
        Map.Entry<AddressKey, Mirrored> at;

        @Override
        public long cgroupId() {
            return at.getKey().cgroupId();
        }

        @Override
        public long expiresNanos() {
            return at.getValue().expiresNanos;
        }

        @Override
        public LearnedIp ip() {
            return Mirrored.ip(at);
        }
    }

    /** Every learned entry (expired ones included until they are swept). */
    public List<LearnedIp> learnedEntries() {
        return learnedExclusive(() -> {
            List<LearnedIp> out = new ArrayList<>(learnedMirror.size());
            learnedMirror.forEach((k, m) -> out.add(m.ip(k)));
            return out;
        });
    }

    /** Deletes one learned entry; true when it was there. */
    public boolean forget(LearnedIp ip) {
        return learnedExclusive(() -> {
            boolean was = maps.get(KernelContract.MAP_LEARNED).delete(ip.key()); // the kernel first: a failure keeps both
            learnedMirror.remove(AddressKey.of(ip.cgroupId(), ip.address()));
            return was;
        });
    }

    /** Deletes every learned entry of these cgroups (unbound, or bound to another policy); returns how many. */
    public int forgetLearned(Set<Long> cgroupIds) {
        List<LearnedIp> gone = learnedExclusive(() -> learnedMirror.entrySet().stream()
                .filter(e -> cgroupIds.contains(e.getKey().cgroupId())).map(Mirrored::ip).toList());
        int n = 0;
        for (LearnedIp ip : gone) { // each delete under the lock on its own: a learn waits for one delete, not all
            if (forget(ip)) {
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
        byte[] addr = LearnedIp.mapped(clientAddress);
        MappedArray a = askers;
        if (a != null) { // the kernel's copy in shared memory first: no syscall
            AskerReader r = askerReader.get();
            if (a.readSeqlocked(DnsAskers.slot(family, protocol, clientPort, addr), r.copy)
                    && DnsAskers.holds(r.copy, family, protocol, clientPort, addr)) {
                askerHits.increment();
                return Optional.of(r.decode());
            }
        }
        askerMisses.increment();
        ByteBuffer k = ByteBuffer.allocate(KernelContract.DNS_CLIENT_KEY_SIZE).order(ByteOrder.nativeOrder());
        k.put((byte) family).put((byte) protocol).putShort((short) clientPort);
        k.put(KernelContract.DNS_CLIENT_KEY_ADDR, addr);
        return maps.get(KernelContract.MAP_DNS_CLIENTS).get(k.array()).map(DnsClient::decode);
    }

    /**
     * Addresses the agent learns at most: the learned map's max_entries, or fewer when the map sizes say so (an
     * adopted map keeps its size, and a larger one than configured would outgrow the heap that mirrors it). Beyond
     * it a learn fails as on a full map.
     */
    public long learnedCapacity() {
        long kernel = maps.get(KernelContract.MAP_LEARNED).maxEntries();
        return Math.min(kernel, config.mapSizes().getOrDefault(KernelContract.MAP_LEARNED, Integer.MAX_VALUE));
    }

    /** DNS clients found in the askers array (no syscall), and those looked up in the map instead. */
    public long[] dnsClientLookups() {
        return new long[]{askerHits.sum(), askerMisses.sum()};
    }

    public long eventsLost() {
        byte[] idx = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(KernelContract.STAT_EVENTS_LOST).array();
        return maps.get(KernelContract.MAP_STATS).get(idx)
                .map(v -> ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong()).orElse(0L);
    }

    /**
     * Entries and capacity of each map with entries (the event ring and the stats array excluded). The learned map's
     * capacity is what the agent fills it to ({@link #learnedCapacity()}), which an adopted larger map exceeds: its
     * alerts must fire before answers get SERVFAIL, not at the kernel's size.
     */
    public Map<String, long[]> usage() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, BpfMap> e : maps.entrySet()) {
            if (e.getKey().equals(KernelContract.MAP_EVENTS) || e.getKey().equals(KernelContract.MAP_STATS)
                    || e.getKey().equals(KernelContract.MAP_DNS_ASKERS)) { // arrays: always full
                continue;
            }
            boolean learned = e.getKey().equals(KernelContract.MAP_LEARNED);
            long entries = learned ? learnedExclusive(learnedMirror::size) : e.getValue().size();
            out.put(e.getKey(), new long[]{entries, learned ? learnedCapacity() : e.getValue().maxEntries()});
        }
        return out;
    }

    /** A reader of the event ring; poll it from one thread. */
    public RingBuffer events(Consumer<EgressEvent> consumer) {
        return new RingBuffer(maps.get(KernelContract.MAP_EVENTS), b -> consumer.accept(EgressEvent.decode(b)));
    }

    @Override
    public synchronized void close() {
        if (askers != null) {
            askers.close();
            askers = null;
        }
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
