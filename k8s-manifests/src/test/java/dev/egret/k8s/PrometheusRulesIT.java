package dev.egret.k8s;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** promtool checks the rules and runs their unit tests (prometheus-rules/tests). */
class PrometheusRulesIT {
    static Tool promtool;

    @BeforeAll
    static void findPromtool() {
        promtool = Tool.require("promtool", "It comes with Debian's prometheus package, which scripts/install-deps "
                + "installs (run it as root).");
    }

    @Test
    void rulesAreValid() {
        String out = promtool.check(Repo.rules(), "check", "rules", RuleFiles.rulesFile().toString());
        assertTrue(out.contains("SUCCESS: " + RuleFiles.rulesOf(RuleFiles.rules()).size() + " rules found"), out);
    }

    @Test
    void unitTestsPass() {
        List<String> args = new ArrayList<>(List.of("test", "rules"));
        RuleFiles.unitTests().forEach(p -> args.add(Repo.rules().relativize(p).toString()));
        assertTrue(args.size() > 2, "no unit tests in prometheus-rules/tests");
        String out = promtool.check(Repo.rules(), args.toArray(String[]::new));
        assertEquals(RuleFiles.unitTests().size(), out.split("SUCCESS", -1).length - 1, out);
    }

    @Test
    void aBrokenExpectationFails() throws Exception {
        // promtool really evaluates: the first firing expectation of a test, moved before the data, must fail
        Path test = RuleFiles.unitTests().getFirst();
        String text = Repo.read(test);
        String broken = text.replaceFirst("eval_time: (\\d+)m\\n(\\s+)alertname: (\\w+)\\n(\\s+)exp_alerts:\\n",
                "eval_time: 0m\n$2alertname: $3\n$4exp_alerts:\n");
        assertTrue(!broken.equals(text), "no firing expectation in " + test);
        Path dir = Files.createTempDirectory("egret-rules");
        Path copy = dir.resolve(test.getFileName());
        try {
            Files.writeString(copy, broken.replace("../egret.rules.yaml", RuleFiles.rulesFile().toString()));
            Tool.Result r = promtool.run(dir, "test", "rules", copy.toString());
            assertEquals(1, r.exit(), r.both());
            assertTrue(r.both().contains("FAILED"), r.both());
        } finally {
            Files.deleteIfExists(copy);
            Files.deleteIfExists(dir);
        }
    }
}
