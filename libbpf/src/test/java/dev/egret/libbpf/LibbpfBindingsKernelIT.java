package dev.egret.libbpf;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FFM bindings against the real kernel and Egret's compiled programs: object open/load with pinning by name,
 * map capacity before load, map calls and their typed errors, cgroup links (pinned and adopted), the ring buffer
 * upcall. Each test has its own pin directory and cgroup, and must leave no BPF or cgroup fd open.
 */
class LibbpfBindingsKernelIT {
    private static final int HASH = 1;
    private static final int EVENT_SIZE = 64;

    private KernelFixture fx;
    private List<String> fdsBefore;

    @BeforeEach
    void setUp() throws IOException {
        fdsBefore = KernelFixture.openBpfFds();
        fx = new KernelFixture();
    }

    @AfterEach
    void tearDown() throws Exception {
        List<String> fdsAfter = KernelFixture.openBpfFds();
        fx.close();
        assertEquals(fdsBefore, fdsAfter, "BPF and cgroup fds left open");
        assertFalse(Files.exists(fx.pinDir), "pin dir removed");
        assertFalse(Files.exists(fx.cgroup), "cgroup removed");
    }

    private static byte[] u32(int v) {
        return java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(v).array();
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    /** struct egret_workload {u32 slot; u8 mode; u8 flags; u16 pad}. */
    private static byte[] workload(int slot, int mode) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(slot).put((byte) mode).array();
    }

    @Test
    void openingAMissingObjectFailsWithEnoent() {
        BpfException e = assertThrows(BpfException.class,
                () -> BpfObject.open(Path.of("/nonexistent/egret.bpf.o"), fx.pinDir));
        assertEquals(BpfException.ENOENT, e.errno());
        assertTrue(e.operation().contains("bpf_object__open_file"), e.operation());
    }

    @Test
    void mapsArePinnedByNameSizedBeforeLoadAndKeepTheirEntries() throws Exception {
        try (BpfObject obj = BpfObject.open(fx.object("connect4"), fx.pinDir).maxEntries("egret_workloads", 3).load()) {
            assertTrue(obj.programNames().contains("egret_connect4"), obj.programNames().toString());
        }
        assertTrue(Files.exists(fx.pinDir.resolve("egret_workloads")), "pinned by name");
        try (BpfMap m = BpfMap.openPinned("egret_workloads", fx.pinDir.resolve("egret_workloads"))) {
            assertEquals(HASH, m.type());
            assertEquals(8, m.keySize());
            assertEquals(8, m.valueSize());
            assertEquals(3, m.maxEntries());
            assertEquals(0, m.size());

            m.put(u64(1), workload(10, 0));
            m.put(u64(2), workload(20, 1));
            assertArrayEquals(workload(10, 0), m.get(u64(1)).orElseThrow());
            assertTrue(m.get(u64(9)).isEmpty());
            assertFalse(m.putIfAbsent(u64(1), workload(11, 0)), "existing key kept");
            assertArrayEquals(workload(10, 0), m.get(u64(1)).orElseThrow());
            m.put(u64(1), workload(12, 0));
            assertArrayEquals(workload(12, 0), m.get(u64(1)).orElseThrow(), "replaced");
            assertTrue(m.putIfAbsent(u64(3), workload(30, 0)));

            BpfException full = assertThrows(BpfException.class, () -> m.put(u64(4), workload(40, 0)));
            assertTrue(full.isMapFull(), full.getMessage());
            assertTrue(full.operation().contains("egret_workloads"), full.operation());

            Map<BpfMap.Key, byte[]> entries = m.entries();
            assertEquals(3, entries.size());
            assertArrayEquals(workload(20, 1), entries.get(new BpfMap.Key(u64(2))));
            assertTrue(m.delete(u64(2)));
            assertFalse(m.delete(u64(2)), "already gone");
            assertEquals(2, m.size());

            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> m.get(new byte[4]));
            assertTrue(bad.getMessage().contains("egret_workloads"), bad.getMessage());
        }
        // a second loader adopts the pinned map: its entries are still there
        try (BpfObject again = BpfObject.open(fx.object("sendmsg4"), fx.pinDir).maxEntries("egret_workloads", 3).load();
             BpfMap m = BpfMap.openPinned("egret_workloads", fx.pinDir.resolve("egret_workloads"))) {
            assertEquals(2, m.size());
            assertArrayEquals(workload(12, 0), m.get(u64(1)).orElseThrow());
        }
    }

    @Test
    void aBatchUpdateWritesInOrderAndSaysHowFarAFullMapLetItGo() throws Exception {
        try (BpfObject obj = BpfObject.open(fx.object("connect4"), fx.pinDir).maxEntries("egret_workloads", 3).load();
             BpfMap m = BpfMap.openPinned("egret_workloads", fx.pinDir.resolve("egret_workloads"))) {
            m.put(u64(1), workload(10, 0));
            m.putAll(List.of(u64(1), u64(2)), List.of(workload(11, 0), workload(20, 1)));
            assertArrayEquals(workload(11, 0), m.get(u64(1)).orElseThrow(), "replaced");
            assertArrayEquals(workload(20, 1), m.get(u64(2)).orElseThrow(), "created");
            BpfBatchException full = assertThrows(BpfBatchException.class,
                    () -> m.putAll(List.of(u64(3), u64(4), u64(5)), List.of(workload(30, 0), workload(40, 0), workload(50, 0))));
            assertTrue(full.isMapFull(), full.getMessage());
            assertEquals(1, full.done(), "the entry that fitted went in, the rest did not");
            assertArrayEquals(workload(30, 0), m.get(u64(3)).orElseThrow());
            assertTrue(m.get(u64(4)).isEmpty());
            assertThrows(IllegalArgumentException.class, () -> m.putAll(List.of(u64(1)), List.of()));
        }
    }

    @Test
    void aMappedArrayIsReadWithoutSyscallsAndOnlyWholeElementsCount() throws Exception {
        try (BpfObject obj = BpfObject.open(fx.object("skb_egress"), fx.pinDir).load();
             BpfMap m = BpfMap.openPinned("egret_dns_askers", fx.pinDir.resolve("egret_dns_askers"));
             MappedArray a = m.mapMemory()) {
            byte[] v = new byte[m.valueSize()];
            v[0] = 2; // an even sequence: whole
            v[20] = 42;
            m.put(u32(7), v);
            byte[] copy = new byte[m.valueSize()];
            assertTrue(a.readSeqlocked(7, copy));
            assertArrayEquals(v, copy, "what the map holds, through the mapping");
            v[0] = 3; // odd: being written
            m.put(u32(7), v);
            assertFalse(a.readSeqlocked(7, copy));
            assertThrows(IndexOutOfBoundsException.class, () -> a.readSeqlocked(m.maxEntries(), copy));
            try (BpfMap workloads = BpfMap.openPinned("egret_workloads", fx.pinDir.resolve("egret_workloads"))) {
                assertThrows(IllegalStateException.class, workloads::mapMemory, "a hash map has no memory to map");
            }
            a.close();
            assertThrows(IllegalStateException.class, () -> a.readSeqlocked(7, copy), "unmapped: an exception, not a crash");
        }
    }

    @Test
    void anAdoptingLoadMustAgreeWithThePinnedCapacity() throws Exception {
        try (BpfObject obj = BpfObject.open(fx.object("connect4"), fx.pinDir).maxEntries("egret_workloads", 3).load()) {
            assertTrue(Files.exists(fx.pinDir.resolve("egret_workloads")));
        }
        try (BpfObject other = BpfObject.open(fx.object("connect6"), fx.pinDir)) {
            BpfException e = assertThrows(BpfException.class, other::loadQuietly);
            assertEquals(BpfException.EINVAL, e.errno(), e.getMessage());
        }
        BpfException unknown = assertThrows(BpfException.class, () -> {
            try (BpfObject o = BpfObject.open(fx.object("connect6"), fx.pinDir)) {
                o.maxEntries("no_such_map", 1);
            }
        });
        assertEquals(BpfException.ENOENT, unknown.errno());
    }

    @Test
    void attachingToSomethingThatIsNotACgroupFails() throws Exception {
        try (BpfObject obj = BpfObject.open(fx.object("connect4"), fx.pinDir).load()) {
            assertThrows(UncheckedIOException.class,
                    () -> obj.attach("egret_connect4", fx.cgroup.resolve("missing"), AttachType.CGROUP_INET4_CONNECT));
            BpfException e = assertThrows(BpfException.class,
                    () -> obj.attach("egret_connect4", fx.pinDir, AttachType.CGROUP_INET4_CONNECT));
            assertTrue(e.operation().contains("bpf_link_create"), e.operation());
            BpfException noProg = assertThrows(BpfException.class,
                    () -> obj.attach("no_such_prog", fx.cgroup, AttachType.CGROUP_INET4_CONNECT));
            assertEquals(BpfException.ENOENT, noProg.errno());
        }
    }

    /** A bash in the test cgroup connecting to 127.0.0.1:port; returns its output and exit code. */
    private Result connectFromCgroup(int port) throws Exception {
        Process p = fx.bashInCgroup("exec 3<>/dev/tcp/127.0.0.1/" + port);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "bash finished");
        return new Result(p.pid(), p.exitValue(), out);
    }

    record Result(long pid, int exit, String output) {
        boolean eperm() {
            return exit != 0 && output.contains("Operation not permitted");
        }
    }

    record Event(long cgroupId, int pid, int slot, String comm, byte[] addr, int port, int family, int proto, int hook,
                 int verdict, int reason) {
        static Event parse(ByteBuffer b) {
            assertEquals(EVENT_SIZE, b.remaining(), "struct egret_event size");
            byte[] comm = new byte[16];
            b.get(24, comm);
            int len = 0;
            while (len < comm.length && comm[len] != 0) {
                len++;
            }
            byte[] addr = new byte[16];
            b.get(40, addr);
            return new Event(b.getLong(8), b.getInt(16), b.getInt(20), new String(comm, 0, len, StandardCharsets.US_ASCII),
                    addr, Short.toUnsignedInt(b.getShort(56)), b.get(58), b.get(59), b.get(60), b.get(61), b.get(62));
        }
    }

    @Test
    void aPinnedLinkDeniesWithEpermReportsEventsAndOutlivesItsCreatorUntilDetached() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = server.getLocalPort();
            long cgid = fx.cgroupId();
            Path linkPin = fx.pinDir.resolve("link_connect4");
            assertEquals(0, connectFromCgroup(port).exit(), "nothing attached yet");

            try (BpfObject obj = BpfObject.open(fx.object("connect4"), fx.pinDir).load();
                 BpfLink link = obj.attach("egret_connect4", fx.cgroup, AttachType.CGROUP_INET4_CONNECT);
                 BpfMap workloads = BpfMap.openPinned("egret_workloads", fx.pinDir.resolve("egret_workloads"));
                 BpfMap counters = BpfMap.openPinned("egret_counters", fx.pinDir.resolve("egret_counters"));
                 BpfMap events = BpfMap.openPinned("egret_events", fx.pinDir.resolve("egret_events"))) {
                link.pin(linkPin);
                assertEquals(0, connectFromCgroup(port).exit(), "a cgroup not in the workload map is not policed");

                workloads.put(u64(cgid), workload(5, 0));
                counters.put(u64(cgid), new byte[counters.valueSize()]);
                // a consumer that throws: the record is skipped and counted, nothing escapes into native code
                try (RingBuffer throwing = new RingBuffer(events, b -> {
                    throw new IllegalStateException("consumer bug");
                })) {
                    Result denied = connectFromCgroup(port);
                    assertTrue(denied.eperm(), denied.toString());
                    assertEquals(1, throwing.poll(1000));
                    assertEquals(1, throwing.consumerFailures());
                }
                List<Event> seen = new ArrayList<>();
                try (RingBuffer rb = new RingBuffer(events, b -> seen.add(Event.parse(b)))) {
                    Result denied = connectFromCgroup(port);
                    assertTrue(denied.eperm(), denied.toString());
                    assertEquals(1, rb.poll(1000));
                    assertEquals(0, rb.consumerFailures());
                    Event e = seen.getFirst();
                    assertEquals(cgid, e.cgroupId());
                    assertEquals(denied.pid(), e.pid());
                    assertEquals("bash", e.comm());
                    assertEquals(5, e.slot());
                    byte[] mapped = new byte[16];
                    mapped[10] = (byte) 0xff;
                    mapped[11] = (byte) 0xff;
                    mapped[12] = 127;
                    mapped[15] = 1;
                    assertArrayEquals(mapped, e.addr(), Arrays.toString(e.addr()));
                    assertEquals(port, e.port());
                    assertEquals(List.of(4, 6, 1, 1, 3), List.of(e.family(), e.proto(), e.hook(), e.verdict(), e.reason()),
                            "family, TCP, connect4, deny, default deny");
                }
                ByteBuffer c = ByteBuffer.wrap(counters.get(u64(cgid)).orElseThrow()).order(ByteOrder.nativeOrder());
                assertEquals(0, c.getLong(16), "allowed");
                assertEquals(2, c.getLong(24), "denied");
            }
            // the loader closed every fd without detaching: the pinned link keeps enforcing
            assertTrue(connectFromCgroup(port).eperm(), "still denied after the loader closed");

            try (BpfLink adopted = BpfLink.openPinned(linkPin)) {
                assertTrue(connectFromCgroup(port).eperm(), "still denied while adopted");
                adopted.detach();
            }
            Result after = connectFromCgroup(port);
            assertEquals(0, after.exit(), after.toString());
            BpfException gone = assertThrows(BpfException.class, () -> BpfLink.openPinned(fx.pinDir.resolve("nothing")));
            assertEquals(BpfException.ENOENT, gone.errno());
        }
    }
}
