package dev.egret.k8s;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** An external command the tests need (kubectl, promtool): missing is a failure that says how to get it, never a skip. */
record Tool(Path path) {

    record Result(int exit, String stdout, String stderr) {
        String both() {
            return stdout + stderr;
        }
    }

    static Tool require(String name, String howToGet) {
        String pathVar = System.getenv().getOrDefault("PATH", "");
        for (String dir : pathVar.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return new Tool(p);
            }
        }
        return fail(name + " is not on PATH (" + pathVar + "); these tests cannot run without it. " + howToGet);
    }

    Result run(Path workDir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(path.toString());
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("egret-tool", ".out");
            Path err = Files.createTempFile("egret-tool", ".err");
            try {
                Process p = new ProcessBuilder(cmd).directory(workDir.toFile())
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return fail(String.join(" ", cmd) + " did not finish within 120 s");
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return fail("cannot run " + String.join(" ", cmd) + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted running " + String.join(" ", cmd));
        }
    }

    /** Runs and fails the test, with the command's output, unless it exits 0. */
    String check(Path workDir, String... args) {
        Result r = run(workDir, args);
        if (r.exit() != 0) {
            fail(path.getFileName() + " " + String.join(" ", args) + " exited " + r.exit() + ":\n" + r.both());
        }
        return r.stdout();
    }
}
