package dev.egret.node.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A pod-like network namespace joined to the node by a veth pair: the node's side is {@code 10.231.N.1}, the pod's
 * {@code 10.231.N.2} (a /30). Removed on close.
 */
public final class PodNetwork implements AutoCloseable {
    private final String ns;
    private final String hostLink;
    private final InetAddress node;

    public PodNetwork() throws IOException, InterruptedException {
        String id = Long.toHexString(ThreadLocalRandom.current().nextLong(0x1000000L, 0xfffffffL));
        int net = ThreadLocalRandom.current().nextInt(20, 250);
        ns = "egret-" + id;
        hostLink = "eg" + id + "h";
        String podLink = "eg" + id + "p";
        sh("ip netns add " + ns);
        try {
            sh("ip link add " + hostLink + " type veth peer name " + podLink);
            sh("ip link set " + podLink + " netns " + ns);
            sh("ip addr add 10.231." + net + ".1/30 dev " + hostLink);
            sh("ip link set " + hostLink + " up");
            sh("ip -n " + ns + " addr add 10.231." + net + ".2/30 dev " + podLink);
            sh("ip -n " + ns + " link set " + podLink + " up");
            sh("ip -n " + ns + " link set lo up");
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        node = InetAddress.getByName("10.231." + net + ".1");
    }

    /** The node's address on the pod's network. */
    public InetAddress nodeAddress() {
        return node;
    }

    /** The namespace's name, for {@code ip netns exec}. */
    public String namespace() {
        return ns;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        sh("ip netns del " + ns + " 2>/dev/null; ip link del " + hostLink + " 2>/dev/null; true");
    }

    private static void sh(String cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(cmd + ": " + out);
        }
    }
}
