package dev.egret.node.cli;

import dev.egret.node.datapath.EgretDatapath;
import dev.egret.node.run.RunCommand;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Entry point of {@code egret run} and {@code egret node --uninstall} (plain Java, no framework start-up). */
public final class EgretCli {
    private EgretCli() {
    }

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args)));
    }

    static int run(List<String> args) {
        if (args.isEmpty()) {
            System.err.println("usage: egret run --policy FILE [--mode audit|enforce] [--audit-log FILE] -- CMD [ARGS...]");
            return 2;
        }
        try {
            return switch (args.get(0)) {
                case "run" -> new RunCommand(RunOptions.parse(args.subList(1, args.size())), System.err).run();
                case "uninstall" -> {
                    Path pinDir = args.size() > 1 ? Path.of(args.get(1)) : RunOptions.DEFAULT_PIN_DIR;
                    EgretDatapath.uninstall(pinDir);
                    System.err.println("egret: removed every program, link and map pinned under " + pinDir);
                    yield 0;
                }
                default -> {
                    System.err.println("egret: unknown command '" + args.get(0) + "'");
                    yield 2;
                }
            };
        } catch (UsageException e) {
            System.err.println("egret run: " + e.getMessage());
            return 2;
        }
    }
}
