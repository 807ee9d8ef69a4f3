package dev.egret.node.testkit;

import dev.egret.node.cgroup.CgroupMounts;
import dev.egret.node.datapath.EgretDatapath;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Runs the built {@code ./egret run} with a private cgroup parent and pin directory, and removes both afterwards. */
public final class EgretRunner implements AutoCloseable {
    public static final Path EGRET = Path.of("..", "egret").toAbsolutePath().normalize();
    public final String id = "egret-test-" + UUID.randomUUID().toString().substring(0, 8);
    public final Path pinDir = Path.of("/sys/fs/bpf", id);

    public record Result(int exit, String stdout, String stderr) {
    }

    public Process start(List<String> args) throws IOException {
        return start(List.of(), args);
    }

    /** Starts {@code ./egret run} through a wrapper command (e.g. one that enters a namespace, then execs it). */
    public Process start(List<String> wrapper, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.addAll(List.of(EGRET.toString(), "run", "--pin-dir", pinDir.toString(), "--cgroup-parent", id));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).start();
    }

    /**
     * Runs egret in a mount namespace of its own whose /etc/resolv.conf is {@code resolvConf}, so that its command
     * (which cannot mount anything itself) sees that file.
     */
    public Result runWithResolvConf(Path resolvConf, List<String> args) throws Exception {
        return run(List.of("unshare", "-m", "sh", "-c", "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"",
                resolvConf.toString()), args);
    }

    public Result run(List<String> args) throws Exception {
        return run(List.of(), args);
    }

    private Result run(List<String> wrapper, List<String> args) throws Exception {
        Process p = start(wrapper, args);
        try (var in = p.getInputStream(); var err = p.getErrorStream(); var out = p.getOutputStream()) {
            String[] errText = new String[1];
            Thread stderr = Thread.ofPlatform().start(() -> {
                try {
                    errText[0] = new String(err.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    errText[0] = e.toString();
                }
            });
            String stdout = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("egret run timed out");
            }
            stderr.join();
            return new Result(p.exitValue(), stdout, errText[0]);
        }
    }

    @Override
    public void close() throws Exception {
        CgroupMounts mounts = CgroupMounts.fromProc();
        Path cg = mounts.v2Root().resolve(id);
        if (Files.isDirectory(cg)) {
            try (var s = Files.list(cg)) {
                for (Path child : s.filter(Files::isDirectory).toList()) {
                    Files.writeString(child.resolve("cgroup.kill"), "1");
                }
            }
            Thread.sleep(200);
        }
        if (Files.isDirectory(pinDir)) {
            EgretDatapath.uninstall(pinDir);
        }
        for (Path root : mounts.v1Controllers().values().stream().distinct().toList()) {
            removeTree(root.resolve(id));
        }
        removeTree(cg);
    }

    private static void removeTree(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
