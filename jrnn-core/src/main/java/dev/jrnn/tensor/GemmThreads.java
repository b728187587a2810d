package dev.jrnn.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The helper threads that run the blocks of one large native product beside the caller ({@link NativeGemm}).
 *
 * <p>A recurrent step issues its products a few tens of microseconds apart, and waking a parked thread costs about
 * as much, so a helper that has just finished a block <em>spins</em> for {@link #SPIN_NANOS} before it parks, and
 * so does a caller waiting for a helper's block. Unlike OpenBLAS's own threads, nobody waits for a block that has
 * not started: the caller takes every block that no helper has claimed, so when another process keeps the helper's
 * core busy the product runs on the caller alone instead of waiting a scheduler slice for the helper. One product
 * at a time uses the helpers; a second thread that multiplies meanwhile runs its product on its own thread.
 */
final class GemmThreads {
    /** How long a helper or a waiting caller spins before it parks: {@code -Djrnn.blas.spinMicros} (default 200). */
    static final long SPIN_NANOS = Long.getLong("jrnn.blas.spinMicros", 200) * 1000;

    /** One product's blocks: taken in order by the caller and the helpers. */
    private static final class Job {
        final IntConsumer block;
        final int blocks;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(IntConsumer block, int blocks, Thread caller) {
            this.block = block;
            this.blocks = blocks;
            this.caller = caller;
        }

        /** Runs unclaimed blocks until none is left. */
        void work() {
            for (int b; (b = next.getAndIncrement()) < blocks; ) {
                try {
                    block.accept(b);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
                if (done.incrementAndGet() == blocks && Thread.currentThread() != caller) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    private final Thread[] helpers;
    private final boolean[] parked;
    private final ReentrantLock inUse = new ReentrantLock();
    private volatile Job current;
    private volatile long epoch;

    /** Starts {@code count} daemon helper threads. */
    GemmThreads(int count) {
        helpers = new Thread[count];
        parked = new boolean[count];
        for (int i = 0; i < count; i++) {
            int id = i;
            Thread t = new Thread(() -> helperLoop(id), "jrnn-gemm-" + (i + 1));
            t.setDaemon(true);
            helpers[i] = t;
            t.start();
        }
    }

    /** Runs {@code block(0 .. blocks-1)} on the caller and the helpers; rethrows the first failure. */
    void run(int blocks, IntConsumer block) {
        if (!inUse.tryLock()) {   // another thread is using the helpers: do this product alone
            for (int b = 0; b < blocks; b++) {
                block.accept(b);
            }
            return;
        }
        Job job = new Job(block, blocks, Thread.currentThread());
        try {
            current = job;
            epoch++;   // volatile write after current: a helper that sees the new epoch sees the job
            for (int i = 0; i < helpers.length; i++) {
                if (parkedFlag(i)) {
                    LockSupport.unpark(helpers[i]);
                }
            }
            job.work();
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (job.done.get() < blocks) {
                if (System.nanoTime() < spinUntil) {
                    Thread.yield();
                } else {
                    LockSupport.parkNanos(this, 1_000_000);
                }
            }
        } finally {
            current = null;
            inUse.unlock();
        }
        Throwable e = job.failure.get();
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        if (e != null) {
            throw new IllegalStateException(e);
        }
    }

    private boolean parkedFlag(int i) {
        synchronized (parked) {
            return parked[i];
        }
    }

    private void setParked(int i, boolean v) {
        synchronized (parked) {
            parked[i] = v;
        }
    }

    private void helperLoop(int id) {
        long seen = 0;
        long idleSince = System.nanoTime();
        while (true) {
            long e = epoch;
            if (e != seen) {
                seen = e;
                Job job = current;
                if (job != null) {
                    job.work();
                }
                idleSince = System.nanoTime();
            } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                Thread.yield();   // sched_yield: a JIT, GC or other process's thread may run here meanwhile
            } else {
                setParked(id, true);
                if (epoch == seen) {   // a job published after this check unparks us: park's permit is kept
                    LockSupport.park(this);
                }
                setParked(id, false);
                idleSince = System.nanoTime();
            }
        }
    }
}
