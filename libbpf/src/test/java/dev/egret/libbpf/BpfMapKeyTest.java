package dev.egret.libbpf;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

class BpfMapKeyTest {
    /** 10k trie keys of the same slot and prefix length, /32s of consecutive addresses: what a big allow list holds. */
    @Test
    void keysOfAdjacentAddressesSpreadOverDistinctHashes() {
        Set<Integer> hashes = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            byte[] key = ByteBuffer.allocate(12).putInt(64).putInt(1).putInt(0xc6120000 + i).array();
            hashes.add(new BpfMap.Key(key).hashCode());
        }
        assertTrue(hashes.size() >= 9_990, "distinct hashes of 10000 keys: " + hashes.size());
    }
}
