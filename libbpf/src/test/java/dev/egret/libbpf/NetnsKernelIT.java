package dev.egret.libbpf;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetnsKernelIT {
    /** Prints the network namespace cookie of the process it runs in. */
    public static void main(String[] args) {
        System.out.println(Netns.currentCookie());
    }

    @Test
    void theCookieNamesTheNetworkNamespace() throws Exception {
        long here = Netns.currentCookie();
        assertTrue(here > 0);
        assertEquals(here, Netns.currentCookie(), "stable");
        Process p = new ProcessBuilder(List.of("unshare", "-n", ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), NetnsKernelIT.class.getName()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertNotEquals(here, Long.parseLong(out), "another namespace, another cookie");
    }
}
