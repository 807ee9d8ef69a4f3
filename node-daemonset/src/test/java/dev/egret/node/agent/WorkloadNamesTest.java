package dev.egret.node.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WorkloadNamesTest {
    @Test
    void namesOutliveTheAgentAndABadFileIsOnlyIgnored(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("state/workloads.json");
        WorkloadNames first = new WorkloadNames(file);
        assertEquals(Map.of(), first.saved());
        first.save(Map.of(4242L, "deploy/runner-1", 77L, "system.slice/deploy.service"));
        assertEquals(Map.of(4242L, "deploy/runner-1", 77L, "system.slice/deploy.service"), new WorkloadNames(file).saved());

        Files.writeString(file, "{not json");
        assertEquals(Map.of(), new WorkloadNames(file).saved());
    }
}
