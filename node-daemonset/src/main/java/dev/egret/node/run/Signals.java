package dev.egret.node.run;

import sun.misc.Signal;

import java.io.IOException;

/** Forwards SIGTERM, SIGINT and SIGHUP received by egret to the command it runs. */
final class Signals {
    private Signals() {
    }

    @SuppressWarnings("restriction")
    static void forwardTo(Process child) {
        for (String name : new String[]{"TERM", "INT", "HUP"}) {
            try {
                Signal.handle(new Signal(name), s -> {
                    try {
                        new ProcessBuilder("kill", "-" + name, Long.toString(child.pid())).start();
                    } catch (IOException ignored) {
                        child.destroy();
                    }
                });
            } catch (IllegalArgumentException ignored) {
                // the signal cannot be handled here
            }
        }
    }
}
