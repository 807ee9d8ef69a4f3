package dev.egret.libbpf.udp;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A socket's datagrams waiting to be sent, oldest first: parallel arrays (no object per datagram), at most
 * {@link #MAX} of them. Loop thread only.
 */
final class SendQueue {
    /** Beyond this many (a socket the kernel would not take datagrams from for long), sends fail with ENOBUFS. */
    static final int MAX = 16384;
    private byte[][] data = new byte[64][];
    private InetSocketAddress[] to = new InetSocketAddress[64];
    @SuppressWarnings("unchecked")
    private Consumer<Throwable>[] failed = new Consumer[64];
    private int head;
    private int tail;

    boolean isEmpty() {
        return head == tail;
    }

    int size() {
        return tail - head;
    }

    /** False when full. */
    boolean add(byte[] datagram, InetSocketAddress peer, Consumer<Throwable> onFailure) {
        if (size() >= MAX) {
            return false;
        }
        if (tail == data.length) {
            int n = size();
            if (head > 0 && n <= data.length / 2) {
                System.arraycopy(data, head, data, 0, n);
                System.arraycopy(to, head, to, 0, n);
                System.arraycopy(failed, head, failed, 0, n);
            } else {
                data = Arrays.copyOfRange(data, head, head + data.length * 2);
                to = Arrays.copyOfRange(to, head, head + to.length * 2);
                failed = Arrays.copyOfRange(failed, head, head + failed.length * 2);
            }
            Arrays.fill(data, n, data.length, null);
            Arrays.fill(to, n, to.length, null);
            Arrays.fill(failed, n, failed.length, null);
            head = 0;
            tail = n;
        }
        data[tail] = datagram;
        to[tail] = peer;
        failed[tail] = onFailure;
        tail++;
        return true;
    }

    /** The {@code i}th datagram from the oldest. */
    byte[] data(int i) {
        return data[head + i];
    }

    InetSocketAddress to(int i) {
        return to[head + i];
    }

    Consumer<Throwable> failed(int i) {
        return failed[head + i];
    }

    /** Forgets the {@code n} oldest. */
    void drop(int n) {
        for (int i = head; i < head + n; i++) {
            data[i] = null;
            to[i] = null;
            failed[i] = null;
        }
        head += n;
        if (head == tail) {
            head = 0;
            tail = 0;
        }
    }
}
