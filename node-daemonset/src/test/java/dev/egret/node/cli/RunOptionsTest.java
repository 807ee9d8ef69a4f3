package dev.egret.node.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunOptionsTest {

    @Test
    void parsesOptionsAndTheCommandAfterTheSeparator() {
        RunOptions o = RunOptions.parse(List.of("--policy", "p.yaml", "--mode", "audit", "--audit-log", "a.jsonl",
                "--", "curl", "--policy", "x"));
        assertEquals(Path.of("p.yaml"), o.policyFile());
        assertEquals(Optional.of("audit"), o.mode());
        assertEquals(Optional.of(Path.of("a.jsonl")), o.auditLog());
        assertEquals(List.of("curl", "--policy", "x"), o.command());
        assertEquals(RunOptions.DEFAULT_PIN_DIR, o.pinDir());
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--", "ls")))
                .getMessage().contains("--policy"));
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--policy", "p")))
                .getMessage().contains("command"));
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--policy", "p", "--mode", "strict", "--", "ls")))
                .getMessage().contains("audit or enforce"));
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--policy")))
                .getMessage().contains("needs a value"));
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--policy", "p", "ls")))
                .getMessage().contains("unknown option"));
    }
}
