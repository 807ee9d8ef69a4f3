package dev.egret.node.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A TCP server that accepts and closes connections, on a wildcard or given address. */
public final class Servers implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread thread;

    public Servers(String bind) throws IOException {
        socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(bind), 0));
        thread = Thread.ofPlatform().daemon().start(() -> {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    s.getOutputStream().write('x');
                } catch (IOException ignored) {
                    // closed
                }
            }
        });
    }

    public int port() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
