package dev.jrnn.cli;

import dev.jrnn.io.AtomicFiles;
import dev.jrnn.io.DirectoryLock;
import dev.jrnn.train.Checkpoint;
import dev.jrnn.optim.DivergedException;
import dev.jrnn.optim.NonFiniteGradientException;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The output directory ({@code --out}) of a training command, held for the whole run; every {@code train} task uses
 * it, so the rules below are the same for all:
 * <ul>
 *   <li>{@code --out} must be a directory (created if missing), never a file;</li>
 *   <li>one run at a time: the directory is locked ({@link DirectoryLock}) and a second run into it refuses at once,
 *       naming it; a lock left by a killed run never blocks (the operating system drops it with the process);</li>
 *   <li>while the lock is held, the temporary files of writes that a killed run never finished are removed
 *       ({@link AtomicFiles#removeTemporaryFiles});</li>
 *   <li>nothing is replaced by accident: a new run refuses to start where a checkpoint or {@code model/} already is,
 *       unless {@code --resume} continues that run or {@code --overwrite} starts afresh (the old checkpoint is then
 *       deleted at once, the old model replaced when the new one is saved);</li>
 *   <li>Ctrl-C or SIGTERM ({@link #stopOnSignal}) asks the loop to stop at the next step boundary and waits, at most
 *       {@link #STOP_WAIT_SECONDS} seconds, for the command to save and {@link #close} the directory.</li>
 * </ul>
 * {@code jrnn demo --out DIR}, which writes only a model directory, uses {@link #checkModelTarget}.
 */
final class RunOutput implements AutoCloseable {
    /** The checkpoint's file name in {@code --out}. */
    static final String CHECKPOINT = "checkpoint.safetensors";
    /** The saved model's directory name in {@code --out}. */
    static final String MODEL = "model";
    /** How long a shutdown hook waits for the run to save before the JVM exits anyway. */
    static final int STOP_WAIT_SECONDS = 60;
    /** The exit status of a run that Ctrl-C or SIGTERM stopped and that saved its model (as a shell shows Ctrl-C). */
    static final int INTERRUPTED_STATUS = 130;

    private final Path dir;
    private final DirectoryLock lock;
    private final boolean created;
    private final CountDownLatch closed = new CountDownLatch(1);
    private Thread hook;
    private volatile boolean signalled;

    private RunOutput(Path dir, DirectoryLock lock, boolean created) {
        this.dir = dir;
        this.lock = lock;
        this.created = created;
    }

    /**
     * Checks {@code --out} against {@code --resume} and {@code --overwrite}, locks it and removes stale temporary
     * files. Call it before any long work, so that a wrong directory is refused at once.
     *
     * @throws CommandLine.ParameterException (exit status 2) for a file given as {@code --out}, or both flags
     * @throws Cli.Failure (exit status 1) when the directory is busy, or holds a run or a model that the flags do not
     *                     allow to continue or replace
     */
    static RunOutput open(CommandLine.Model.CommandSpec spec, Path out, boolean resume, boolean overwrite, PrintStream o)
            throws IOException {
        Cli.require(spec, !(resume && overwrite), "--resume continues the run in --out and --overwrite starts it afresh: "
                + "give one of them, not both");
        Cli.require(spec, !Files.exists(out) || Files.isDirectory(out), "--out " + out + " is a file, expected a directory");
        Path ckpt = out.resolve(CHECKPOINT);
        if (resume && !Files.isRegularFile(ckpt)) {
            throw new Cli.Failure(out + ": no " + CHECKPOINT + " to resume from (start without --resume)");
        }
        boolean created = !Files.exists(out);
        DirectoryLock lock;
        try {
            lock = DirectoryLock.acquire(out);
        } catch (DirectoryLock.Busy e) {
            throw new Cli.Failure("--out " + e.getMessage() + ": wait for that run to finish, or choose another --out");
        }
        RunOutput run = new RunOutput(out, lock, created);
        try {
            List<String> removed = AtomicFiles.removeTemporaryFiles(out);
            if (!removed.isEmpty()) {
                o.println("removed " + removed.size() + " unfinished temporary file(s) that an interrupted run left in " + out
                        + ": " + String.join(", ", removed));
            }
            Path model = out.resolve(MODEL);
            if (!resume && !overwrite) {
                if (Files.exists(ckpt)) {
                    throw new Cli.Failure(out + " already holds a run (" + CHECKPOINT + "): add --resume to continue it, "
                            + "--overwrite to start afresh (replacing its checkpoint and model), or choose another --out");
                }
                if (Files.exists(model)) {
                    throw new Cli.Failure(model + " already holds a trained model: add --overwrite to replace it, or choose "
                            + "another --out");
                }
            }
            if (overwrite && Files.deleteIfExists(ckpt)) {
                o.println("--overwrite: deleted the previous run's " + ckpt
                        + (Files.exists(model) ? "; " + model + " is replaced when this run saves its model" : ""));
            }
            return run;
        } catch (IOException | RuntimeException e) {
            run.close();
            throw e;
        }
    }

    /**
     * For a command that writes a model directory straight to {@code --out} ({@code jrnn demo}): refuses a file, and
     * a directory that is not empty unless {@code --overwrite}.
     */
    static void checkModelTarget(CommandLine.Model.CommandSpec spec, Path out, boolean overwrite) throws IOException {
        Cli.require(spec, !Files.exists(out) || Files.isDirectory(out), "--out " + out + " is a file, expected a directory");
        if (!overwrite && Files.isDirectory(out)) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new Cli.Failure("--out " + out + " is not empty (it holds a model or other files): add --overwrite "
                            + "to replace it, or choose another --out");
                }
            }
        }
    }

    /** The directory. */
    Path dir() {
        return dir;
    }

    /** The checkpoint's path in it. */
    Path checkpoint() {
        return dir.resolve(CHECKPOINT);
    }

    /** The model directory's path in it. */
    Path model() {
        return dir.resolve(MODEL);
    }

    /**
     * From now until {@link #close}: on Ctrl-C (SIGINT) or SIGTERM, print a line, call {@code stop} (which asks the
     * loop to stop at its next step boundary) and keep the JVM alive until the command has saved and closed this
     * directory, or {@link #STOP_WAIT_SECONDS} seconds have passed. The process then exits with the signal's status
     * (130 for Ctrl-C, 143 for SIGTERM).
     */
    void stopOnSignal(Runnable stop, PrintStream o) {
        hook = new Thread(() -> {
            signalled = true;
            o.println();
            o.println("jrnn: stopping at the next step, then saving a checkpoint and the model (waiting at most "
                    + STOP_WAIT_SECONDS + " s)");
            o.flush();
            stop.run();
            try {
                if (!closed.await(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    System.err.println("jrnn: the run did not finish saving within " + STOP_WAIT_SECONDS + " s; exiting "
                            + "without it (the last checkpoint in " + dir + " is intact)");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "jrnn-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Whether Ctrl-C or SIGTERM asked the run to stop ({@link #stopOnSignal}). */
    boolean signalled() {
        return signalled;
    }

    /**
     * The last line of a run that saved its model: where it is and, when the run stopped early, how to continue
     * (an interrupted run says so, and that its checkpoint is marked {@code stopped = interrupted}).
     */
    void printSaved(PrintStream o, int epochs, long steps, double seconds, boolean finished, boolean interrupted) {
        String done = Cli.fmt("%d epochs, %d steps, %.0fs", epochs, steps, seconds);
        if (interrupted) {
            o.println(Cli.fmt("interrupted: saved %s (%s, not finished) and %s (marked stopped = interrupted); continue "
                    + "with the same command and --resume", model(), done, checkpoint()));
        } else {
            o.println(Cli.fmt("saved %s (%s)%s", model(), done, finished ? "" : "; continue with the same command and --resume"));
        }
        o.flush();
    }

    /**
     * The one-line failure for a run that diverged: what was seen, that the model was not saved, where the last
     * checkpoint is (and whether it was written before the divergence), and {@code advice}.
     */
    Cli.Failure diverged(DivergedException e, String advice) {
        Path ckpt = checkpoint();
        String kept;
        if (!Files.isRegularFile(ckpt)) {
            kept = "no checkpoint was written before it";
        } else {
            long at;
            try {
                at = Checkpoint.read(ckpt).getLong("step");
            } catch (IOException | RuntimeException unreadable) {
                at = -1;
            }
            kept = at < 0 ? "the last checkpoint is " + ckpt
                    : at < e.step() - 1 || e.step() == 0 ? "the last good checkpoint is " + ckpt + " (step " + at + ")"
                    : "the last checkpoint, " + ckpt + " (step " + at + "), already holds the weights that diverged";
        }
        return new Cli.Failure(seen(e) + ". The model was not saved; " + kept + ". " + advice);
    }

    /** What a divergence was, in one sentence without advice (the caller adds advice in flag terms). */
    static String seen(DivergedException e) {
        return e instanceof NonFiniteGradientException g         // its own message carries library-level advice
                ? "training diverged at step " + g.step() + ": the gradient of '" + g.parameter() + "' is not finite (loss "
                        + g.loss() + ")"
                : e.getMessage();
    }

    /** What to try after a divergence, in flag terms. */
    static String advice(double lr, double clipNorm) {
        return Cli.fmt("Lower --lr (now %s) or %s, then start afresh with --overwrite.", lr,
                clipNorm > 0 ? "clip the gradient norm harder (--clip-norm, now " + clipNorm + ")"
                        : "clip the gradient norm (--clip-norm 1)");
    }

    /**
     * Releases the directory: removes the shutdown hook (or, during shutdown, lets it end), releases the lock and,
     * when this run created the directory and left nothing in it, removes it again.
     */
    @Override
    public void close() throws IOException {
        try {
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running and waits for closed below
                }
            }
            lock.close();
            if (created) {
                List<Path> left;
                try (Stream<Path> s = Files.list(dir)) {
                    left = s.limit(2).toList();
                }
                if (left.size() == 1 && left.get(0).getFileName().toString().equals(DirectoryLock.FILE_NAME)) {
                    Files.delete(left.get(0));
                    Files.delete(dir);
                }
            }
        } finally {
            closed.countDown();
        }
    }
}
