package dev.egret.libbpf;

import dev.egret.libbpf.internal.Fd;
import dev.egret.libbpf.internal.Syscalls;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A BPF map held by its own file descriptor. Keys and values are the raw bytes of the kernel's structs.
 * Thread-safe: each call is one syscall.
 */
public final class BpfMap implements AutoCloseable {
    /** {@code BPF_ANY}: create or replace. */
    public static final long ANY = 0;
    /** {@code BPF_NOEXIST}: create only. */
    public static final long NOEXIST = 1;
    /** {@code BPF_EXIST}: replace only. */
    public static final long EXIST = 2;
    /** {@code BPF_MAP_TYPE_ARRAY}. */
    public static final int TYPE_ARRAY = 2;

    private final String name;
    private final Fd fd;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final int type;

    private BpfMap(String name, int fd) {
        this.name = name;
        this.fd = new Fd(fd);
        int[] info;
        try {
            info = Syscalls.mapInfo(fd);
        } catch (RuntimeException e) {
            this.fd.close();
            throw e;
        }
        this.type = info[0];
        this.keySize = info[2];
        this.valueSize = info[3];
        this.maxEntries = info[4];
    }

    /** Opens a pinned map; the returned object owns a new file descriptor. */
    public static BpfMap openPinned(String name, Path pin) {
        return new BpfMap(name, Syscalls.objGet(pin));
    }

    public String name() {
        return name;
    }

    public int keySize() {
        return keySize;
    }

    public int valueSize() {
        return valueSize;
    }

    public int maxEntries() {
        return maxEntries;
    }

    public int type() {
        return type;
    }

    /** Creates or replaces an entry; a full map surfaces as a {@link BpfException} with {@link BpfException#isMapFull()}. */
    public void put(byte[] key, byte[] value) {
        put(key, value, ANY);
    }

    public void put(byte[] key, byte[] value, long flags) {
        check(key, keySize, "key");
        check(value, valueSize, "value");
        try {
            Syscalls.mapUpdate(fd.get(), key, value, flags);
        } catch (BpfException e) {
            throw new BpfException("update of map " + name, e.errno());
        }
    }

    /**
     * Creates or replaces entries in one syscall, in order. A failure (a full map, a kernel without batch calls for
     * this map type) is a {@link BpfBatchException}: the entries before {@link BpfBatchException#done()} took effect.
     */
    public void putAll(List<byte[]> keys, List<byte[]> values) {
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException(name + ": " + keys.size() + " keys for " + values.size() + " values");
        }
        if (keys.isEmpty()) {
            return;
        }
        byte[] k = new byte[keys.size() * keySize];
        byte[] v = new byte[values.size() * valueSize];
        for (int i = 0; i < keys.size(); i++) {
            check(keys.get(i), keySize, "key");
            check(values.get(i), valueSize, "value");
            System.arraycopy(keys.get(i), 0, k, i * keySize, keySize);
            System.arraycopy(values.get(i), 0, v, i * valueSize, valueSize);
        }
        try {
            Syscalls.mapUpdateBatch(fd.get(), k, v, keys.size());
        } catch (BpfBatchException e) {
            throw new BpfBatchException("batch update of map " + name, e.errno(), e.done());
        }
    }

    /** Creates an entry unless the key exists; true when it was created. */
    public boolean putIfAbsent(byte[] key, byte[] value) {
        try {
            put(key, value, NOEXIST);
            return true;
        } catch (BpfException e) {
            if (e.errno() == BpfException.EEXIST) {
                return false;
            }
            throw e;
        }
    }

    public Optional<byte[]> get(byte[] key) {
        check(key, keySize, "key");
        return Optional.ofNullable(Syscalls.mapLookup(fd.get(), key, valueSize));
    }

    /** True when the key was present. */
    public boolean delete(byte[] key) {
        check(key, keySize, "key");
        return Syscalls.mapDelete(fd.get(), key);
    }

    /** Every key, in the map's iteration order. */
    public List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>();
        byte[] k = Syscalls.mapNextKey(fd.get(), null, keySize);
        while (k != null) {
            keys.add(k);
            k = Syscalls.mapNextKey(fd.get(), k, keySize);
        }
        return keys;
    }

    /** Every entry; entries deleted concurrently are skipped. */
    public Map<Key, byte[]> entries() {
        Map<Key, byte[]> out = new LinkedHashMap<>();
        for (byte[] k : keys()) {
            get(k).ifPresent(v -> out.put(new Key(k), v));
        }
        return out;
    }

    public int size() {
        return keys().size();
    }

    /** Maps this array map's memory (it must be a {@code BPF_F_MMAPABLE} array) for reads without syscalls. */
    public MappedArray mapMemory() {
        if (type != TYPE_ARRAY) {
            throw new IllegalStateException(name + " is not an array map");
        }
        return new MappedArray(fd.get(), valueSize, maxEntries);
    }

    int fdForRingBuffer() {
        return fd.get();
    }

    public void pin(Path path) {
        Syscalls.objPin(fd.get(), path);
    }

    @Override
    public void close() {
        fd.close();
    }

    private void check(byte[] b, int size, String what) {
        if (b.length != size) {
            throw new IllegalArgumentException(name + ": " + what + " has " + b.length + " bytes, the map wants " + size);
        }
    }

    /** Map keys as values: byte arrays with equality. */
    public record Key(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && java.util.Arrays.equals(bytes, k.bytes);
        }

        /**
         * FNV-1a over the bytes. Not {@code Arrays.hashCode}: its {@code 31 * h + b} maps keys that differ in their
         * last two bytes (adjacent addresses in a trie key) onto a few thousand values, which turned maps of 10k
         * keys into long collision chains.
         */
        @Override
        public int hashCode() {
            int h = 0x811c9dc5;
            for (byte b : bytes) {
                h = (h ^ (b & 0xff)) * 0x01000193;
            }
            return h ^ (h >>> 16);
        }

        @Override
        public String toString() {
            return java.util.HexFormat.of().formatHex(bytes);
        }
    }
}
