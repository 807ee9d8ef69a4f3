package dev.egret.node.testkit;

import java.io.File;

/** How many file descriptors this process holds. */
public final class OpenFds {
    private OpenFds() {
    }

    public static int count() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }
}
