package dev.egret.node.run;

import dev.egret.libbpf.RingBuffer;

/** Polls a ring buffer on its own thread until stopped, then drains what is left. */
final class EventPump {
    private final RingBuffer ring;
    private final Thread thread;
    private volatile boolean running = true;

    EventPump(RingBuffer ring) {
        this.ring = ring;
        this.thread = Thread.ofPlatform().daemon().name("egret-events").unstarted(this::loop);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        while (running) {
            ring.pollAndDrain(50); // allowed connects are submitted without a wakeup
        }
    }

    /** Stops polling and hands the remaining records to the consumer. */
    void stopAndDrain() {
        running = false;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ring.drain();
    }
}
