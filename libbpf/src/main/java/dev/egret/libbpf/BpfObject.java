package dev.egret.libbpf;

import dev.egret.libbpf.internal.ObjectHandle;
import dev.egret.libbpf.internal.Syscalls;

import java.nio.file.Path;
import java.util.List;

/**
 * A compiled BPF object file: open, size its maps, load, then hand out its programs and maps.
 * Maps declared with {@code LIBBPF_PIN_BY_NAME} are reused from, or pinned to, the pin root, so several objects
 * share them and a later process adopts them.
 */
public final class BpfObject implements AutoCloseable {
    private final ObjectHandle handle;
    private final Path file;

    private BpfObject(ObjectHandle handle, Path file) {
        this.handle = handle;
        this.file = file;
    }

    public static BpfObject open(Path file, Path pinRoot) {
        return new BpfObject(ObjectHandle.open(file, pinRoot), file);
    }

    /** Sets a map's capacity; only before {@link #load()}, and it must match a map already pinned. */
    public BpfObject maxEntries(String map, int entries) {
        handle.setMaxEntries(map, entries);
        return this;
    }

    public BpfObject load() {
        handle.load();
        return this;
    }

    /** Loads without libbpf's log lines; the failure still surfaces as a {@link BpfException}. */
    public BpfObject loadQuietly() {
        handle.loadQuietly();
        return this;
    }

    public List<String> programNames() {
        return handle.programNames();
    }

    /** Attaches a loaded program to a cgroup. */
    public BpfLink attach(String program, Path cgroup, AttachType type) {
        return BpfLink.attachCgroup(handle.programFd(program), cgroup, type);
    }

    /** Makes {@code link} run this object's loaded {@code program} instead of its own, atomically. */
    public void replaceProgramOf(BpfLink link, String program) {
        Syscalls.linkUpdate(link.fd(), handle.programFd(program));
    }

    /** Pins a loaded program (the pin keeps it alive without this object). */
    public void pinProgram(String program, Path pin) {
        Syscalls.objPin(handle.programFd(program), pin);
    }

    /** Pins a loaded map. */
    public void pinMap(String map, Path pin) {
        Syscalls.objPin(handle.mapFd(map), pin);
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() {
        handle.close();
    }
}
