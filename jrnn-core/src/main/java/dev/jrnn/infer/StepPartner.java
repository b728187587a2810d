package dev.jrnn.infer;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A helper thread that runs one half of a batch-1 recurrent step while the calling thread runs the other
 * ({@code -Djrnn.infer.stepThreads=2}; see {@link PackedFloat}'s split steps). A step is a few microseconds, far
 * less than waking a parked thread, so the helper <em>spins</em> for {@link #SPIN_NANOS} after each half before it
 * parks. The caller always runs half 0; half 1 goes to whichever thread claims it first, so when another process
 * holds the helper's core the caller runs both halves instead of waiting for a scheduler slice. One step at a time
 * uses the helper: a second thread stepping meanwhile runs both of its halves itself. Because the helper usually
 * takes half 1 step after step, each core keeps its half of the weights in its own L2.
 */
final class StepPartner {
    /** {@code -Djrnn.infer.stepThreads}: 2 splits batch-1 LSTM steps over two threads; 1 (default) does not. */
    static final int THREADS = Integer.getInteger("jrnn.infer.stepThreads", 1);

    /** How long the helper spins for the next step before it parks: {@code -Djrnn.infer.spinMicros} (default 200). */
    static final long SPIN_NANOS = Long.getLong("jrnn.infer.spinMicros", 200) * 1000;

    /** Work split in two halves; {@code half(u)} for {@code u} = 0 and 1 must write disjoint memory. */
    interface Halves {
        /** Runs half {@code u}. */
        void half(int u);
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

    /** Runs {@code h.half(0)} here and {@code h.half(1)} on the helper when it takes it in time; returns when both are done. */
    void run(Halves h) {
        if (!inUse.tryLock()) {                            // another thread is using the helper: both halves here
            h.half(0);
            h.half(1);
            return;
        }
        try {
            long step = posted + 1;
            job = h;
            posted = step;                                 // publishes job
            if (parked) LockSupport.unpark(thread);
            h.half(0);
            if (claimed.compareAndSet(step - 1, step)) {   // the helper has not started it: do it here
                h.half(1);
                return;
            }
            while (finished != step) Thread.onSpinWait();
            Throwable e = failure;
            if (e != null) {
                failure = null;
                throw new IllegalStateException("StepPartner: half 1 of a step failed on the helper thread", e);
            }
        } finally {
            inUse.unlock();
        }
    }

    private void loop() {
        long seen = 0, idleSince = System.nanoTime();
        while (true) {
            long step = posted;
            if (step != seen) {
                seen = step;
                if (claimed.compareAndSet(step - 1, step)) {   // the caller waits for this step: job is its job
                    try {
                        job.half(1);
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
