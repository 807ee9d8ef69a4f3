package dev.egret.node.testkit;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A client run inside a workload cgroup by tests: each argument triple {@code tcp|udp|udpc HOST PORT} is tried
 * once and reported on its own line as {@code ok}, {@code EPERM} or {@code ERR <message>}.
 */
public final class Probe {
    private Probe() {
    }

    public static void main(String[] args) {
        for (int i = 0; i + 2 < args.length; i += 3) {
            System.out.println(attempt(args[i], args[i + 1], Integer.parseInt(args[i + 2])));
        }
        System.out.flush();
    }

    static String attempt(String kind, String host, int port) {
        try {
            InetAddress ip = InetAddress.getByName(host);
            switch (kind) {
                case "tcp" -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(ip, port), 2000);
                    }
                }
                case "udp" -> {
                    try (DatagramSocket s = new DatagramSocket()) {
                        s.send(new DatagramPacket(new byte[]{1}, 1, ip, port));
                    }
                }
                case "udpc" -> {
                    try (DatagramSocket s = new DatagramSocket()) {
                        s.connect(ip, port);
                        s.send(new DatagramPacket(new byte[]{1}, 1));
                    }
                }
                default -> throw new IllegalArgumentException(kind);
            }
            return "ok";
        } catch (Exception e) {
            String m = String.valueOf(e.getMessage());
            return m.contains("Operation not permitted") ? "EPERM" : "ERR " + e.getClass().getSimpleName() + ": " + m;
        }
    }
}
