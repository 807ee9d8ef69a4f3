package dev.egret.libbpf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpfExceptionTest {
    @Test
    void messageNamesTheOperationTheErrnoAndItsMeaning() {
        BpfException e = new BpfException("update of map egret_workloads", BpfException.E2BIG);
        assertEquals("update of map egret_workloads", e.operation());
        assertEquals(7, e.errno());
        assertTrue(e.getMessage().startsWith("update of map egret_workloads failed: E2BIG"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(errno 7)"), e.getMessage());
    }

    @Test
    void unknownErrnoStillReportsTheNumber() {
        BpfException e = new BpfException("bpf_obj_get(/x)", 123);
        assertTrue(e.getMessage().contains("error 123"), e.getMessage());
    }

    @Test
    void onlyE2bigAndEnospcMeanAFullMap() {
        assertTrue(new BpfException("op", BpfException.E2BIG).isMapFull());
        assertTrue(new BpfException("op", BpfException.ENOSPC).isMapFull());
        assertFalse(new BpfException("op", BpfException.EEXIST).isMapFull());
        assertFalse(new BpfException("op", BpfException.ENOENT).isMapFull());
    }

    @Test
    void mapKeysCompareByContent() {
        assertEquals(new BpfMap.Key(new byte[]{1, 2, 3}), new BpfMap.Key(new byte[]{1, 2, 3}));
        assertEquals(new BpfMap.Key(new byte[]{1, 2, 3}).hashCode(), new BpfMap.Key(new byte[]{1, 2, 3}).hashCode());
        assertNotEquals(new BpfMap.Key(new byte[]{1, 2, 3}), new BpfMap.Key(new byte[]{1, 2, 4}));
        assertEquals("0a0bff", new BpfMap.Key(new byte[]{10, 11, -1}).toString());
    }
}
