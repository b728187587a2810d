package dev.jrnn.infer;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A helper thread that runs one half of a batch-1 recurrent step while the calling thread runs the other
 * ({@link #THREADS}; see {@link PackedFloat}'s split steps). A step is a few microseconds, far
 * less than waking a parked thread, so the helper <em>spins</em> for {@link #SPIN_NANOS} after each half before it
 * parks. The caller always runs half 0; half 1 goes to whichever thread claims it first, so when another process
 * holds the helper's core the caller runs both halves instead of waiting for a scheduler slice. One step at a time
 * uses the helper: a second thread stepping meanwhile runs both of its halves itself. When the helper has claimed
 * a half but does not finish it within {@link #WAIT_NANOS}, or half the time half 0 took when that is longer (a
 * step of several rows lasts several times one row's), its core was taken: the caller computes that half
 * itself into its own buffers and goes on; the helper's late result is ignored. Because the helper usually
 * takes half 1 step after step, each core keeps its half of the weights in its own L2.
 */
final class StepPartner {
    /**
     * {@code -Djrnn.infer.stepThreads}: {@code 2} splits LSTM steps of fewer than {@code PackedFloat.SMALL_BATCH}
     * rows over two threads, {@code 1} does not;
     * {@code auto} (the default) is 2 when the JVM has a second processor, else 1. Both give the same bits; on a quiet
     * 2-core machine the split step is 1.5–1.9× faster (W4 B=1: 0.97 against 1.49 ms per sequence,
     * docs/performance.md). Anything else is reported once (System.Logger, WARNING) and read as {@code auto}.
     */
    static final int THREADS = threads(System.getProperty("jrnn.infer.stepThreads", "auto"));

    static int threads(String value) {
        String v = value.trim();
        if (v.equals("1") || v.equals("2")) return Integer.parseInt(v);
        if (!v.equalsIgnoreCase("auto")) {
            System.getLogger(StepPartner.class.getName()).log(System.Logger.Level.WARNING,
                    "-Djrnn.infer.stepThreads=" + value + " is not 1, 2 or auto; using auto");
        }
        return Runtime.getRuntime().availableProcessors() >= 2 ? 2 : 1;
    }

    /** How long the helper spins for the next step before it parks: {@code -Djrnn.infer.spinMicros} (default 200). */
    static final long SPIN_NANOS = Long.getLong("jrnn.infer.spinMicros", 200) * 1000;

    /**
     * How long the caller waits for a half the helper has claimed before it computes that half itself:
     * {@code -Djrnn.infer.waitMicros} (default 20; a half of W4's step takes about 6 µs on a quiet core).
     */
    static final long WAIT_NANOS = Long.getLong("jrnn.infer.waitMicros", 20) * 1000;

    /**
     * Work split in two halves. Half 1 may run twice at once (the helper late, the caller not waiting for it), so
     * it writes only to the buffer set it is given and reads nothing that half 0 writes.
     */
    interface Halves {
        /** Runs half {@code u} (0 or 1) into buffer set {@code buffers}: 0 the caller's, 1 the helper's. */
        void half(int u, int buffers);
    }

    private static StepPartner shared;

    /** The process's helper, started on first use. */
    static synchronized StepPartner shared() {
        if (shared == null) shared = new StepPartner();
        return shared;
    }

    private final Thread thread;
    private final ReentrantLock inUse = new ReentrantLock();
    private final AtomicLong claimed = new AtomicLong();   // the last step whose half 1 was claimed
    private volatile Halves job;
    private volatile long posted;                          // the last step handed out
    private volatile long finished;                        // the last step whose half 1 the helper finished
    private volatile boolean parked;
    private volatile Throwable failure;

    private StepPartner() {
        thread = new Thread(this::loop, "jrnn-step-partner");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Runs {@code h.half(0, 0)} here and half 1 on the helper when it takes it in time, else here; returns when
     * both are done.
     *
     * @return the buffer set that holds half 1's result: 1 when the helper computed it, else 0
     */
    int run(Halves h) {
        if (!inUse.tryLock()) {                            // another thread is using the helper: both halves here
            h.half(0, 0);
            h.half(1, 0);
            return 0;
        }
        try {
            long step = posted + 1;
            job = h;
            posted = step;                                 // publishes job
            if (parked) LockSupport.unpark(thread);
            long start = System.nanoTime();
            h.half(0, 0);
            if (claimed.compareAndSet(step - 1, step)) {   // the helper has not started it: do it here
                h.half(1, 0);
                return 0;
            }
            long t0 = System.nanoTime(), patience = Math.max(WAIT_NANOS, (t0 - start) / 2);
            while (finished != step) {
                if (System.nanoTime() - t0 > patience) {   // the helper was descheduled: do not wait for a slice
                    h.half(1, 0);
                    return 0;
                }
                Thread.onSpinWait();
            }
            Throwable e = failure;
            if (e != null) {
                failure = null;
                throw new IllegalStateException("StepPartner: half 1 of a step failed on the helper thread", e);
            }
            return 1;
        } finally {
            job = null;                                    // the helper keeps no model alive between steps
            inUse.unlock();
        }
    }

    private void loop() {
        long seen = 0, idleSince = System.nanoTime();
        while (true) {
            long step = posted;
            if (step != seen) {
                seen = step;
                Halves j = job;                                // null: that step is over, the caller did both halves
                if (j != null && claimed.compareAndSet(step - 1, step)) {   // the caller waits for this step: j is its job
                    try {
                        j.half(1, 1);
                    } catch (Throwable e) {
                        failure = e;
                    }
                    finished = step;
                }
                idleSince = System.nanoTime();
            } else if (System.nanoTime() - idleSince > SPIN_NANOS) {
                parked = true;
                if (posted == seen) LockSupport.park(this);
                parked = false;
                idleSince = System.nanoTime();
            } else {
                Thread.onSpinWait();
            }
        }
    }
}
