package dev.egret.node.testkit;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Ports for services that must bind a fixed port more than once. */
public final class Ports {
    private Ports() {
    }

    /**
     * A port below the kernel's ephemeral range (32768 and up by default), so no outgoing connection takes it
     * between two binds, and free now for UDP and TCP on 127.0.0.1 and ::1.
     */
    public static int fixed() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 30_000);
            try (DatagramSocket u4 = new DatagramSocket(new InetSocketAddress("127.0.0.1", port));
                 DatagramSocket u6 = new DatagramSocket(new InetSocketAddress("::1", port));
                 ServerSocket t4 = new ServerSocket();
                 ServerSocket t6 = new ServerSocket()) {
                t4.bind(new InetSocketAddress("127.0.0.1", port));
                t6.bind(new InetSocketAddress("::1", port));
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port between 20000 and 30000");
    }
}
