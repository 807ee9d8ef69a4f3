package dev.egret.libbpf;

/** A batch call that failed: its errno, and how many elements it had processed before (those took effect). */
public class BpfBatchException extends BpfException {
    private final int done;

    public BpfBatchException(String operation, int errno, int done) {
        super(operation, errno);
        this.done = done;
    }

    /** Elements processed, in order, before the failure. */
    public int done() {
        return done;
    }
}
