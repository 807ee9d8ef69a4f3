package dev.egret.node.dns;

import java.util.ArrayList;
import java.util.List;
import java.security.SecureRandom;

/**
 * Queries forwarded over UDP and waiting for their answers, by the 16-bit ID they were sent under: a table indexed
 * by ID, plus a list in the order they were sent, which is the order of their deadlines (every attempt waits equally
 * long), so expiry looks only at its head and an answer unlinks its entry at once. IDs are drawn from a secure random
 * source among the free ones (an off-path spoofer must guess them). No timer per query. Pure; time is an argument; synchronized, though
 * the proxy uses it from one event loop.
 *
 * @param <T> what waits for the answer
 */
final class UpstreamPending<T> {
    /** One query in flight. */
    static final class Entry<T> {
        final T waiter;
        final long deadlineNanos;
        int id = -1;
        Entry<T> prev;
        Entry<T> next;

        Entry(T waiter, long deadlineNanos) {
            this.waiter = waiter;
            this.deadlineNanos = deadlineNanos;
        }

        int id() {
            return id;
        }
    }

    private final int capacity;
    @SuppressWarnings("unchecked")
    private final Entry<T>[] byId = new Entry[65536];
    private final SecureRandom random = new SecureRandom();
    /** Random IDs drawn a few hundred at a time (a secure generator per query would cost more than the query). */
    private final byte[] ids = new byte[512];
    private int nextId = ids.length;
    private Entry<T> head;
    private Entry<T> tail;
    private int size;

    /** @param capacity queries in flight at most (below 65536, so a free ID is found in a few draws) */
    UpstreamPending(int capacity) {
        if (capacity < 1 || capacity > 32768) {
            throw new IllegalArgumentException("capacity must be 1..32768");
        }
        this.capacity = capacity;
    }

    /** Adds a query waiting until {@code deadlineNanos}; its entry carries the ID to send it under. Null when full. */
    synchronized Entry<T> add(T waiter, long deadlineNanos) {
        if (size >= capacity) {
            return null;
        }
        Entry<T> e = new Entry<>(waiter, deadlineNanos);
        int id;
        do {
            if (nextId == ids.length) {
                random.nextBytes(ids);
                nextId = 0;
            }
            id = (ids[nextId++] & 0xff) << 8 | (ids[nextId++] & 0xff);
        } while (byId[id] != null);
        e.id = id;
        byId[id] = e;
        if (tail == null) {
            head = tail = e;
        } else {
            tail.next = e;
            e.prev = tail;
            tail = e;
        }
        size++;
        return e;
    }

    /** The entry waiting under {@code id}, still in the table, or null. */
    synchronized Entry<T> get(int id) {
        return byId[id & 0xffff];
    }

    /** Removes an entry (answered or failed); false when it was no longer there. */
    synchronized boolean remove(Entry<T> e) {
        if (e.id < 0 || byId[e.id] != e) {
            return false;
        }
        byId[e.id] = null;
        if (e.prev == null) {
            head = e.next;
        } else {
            e.prev.next = e.next;
        }
        if (e.next == null) {
            tail = e.prev;
        } else {
            e.next.prev = e.prev;
        }
        e.prev = e.next = null;
        size--;
        return true;
    }

    /** Removes and returns the entries whose deadline is at or before {@code nowNanos}, oldest first. */
    synchronized List<Entry<T>> expire(long nowNanos) {
        List<Entry<T>> out = null;
        while (head != null && head.deadlineNanos - nowNanos <= 0) {
            Entry<T> e = head;
            remove(e);
            if (out == null) {
                out = new ArrayList<>();
            }
            out.add(e);
        }
        return out == null ? List.of() : out;
    }

    /** The earliest deadline, or {@code Long.MAX_VALUE} when nothing waits. */
    synchronized long nextDeadline() {
        return head == null ? Long.MAX_VALUE : head.deadlineNanos;
    }

    /** Removes and returns every entry. */
    synchronized List<Entry<T>> drain() {
        List<Entry<T>> out = new ArrayList<>(size);
        while (head != null) {
            Entry<T> e = head;
            remove(e);
            out.add(e);
        }
        return out;
    }

    synchronized int size() {
        return size;
    }
}
