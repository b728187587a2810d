package dev.jrnn.autograd;

/**
 * Switches graph recording on and off for the current thread.
 *
 * <pre>{@code
 * try (var scope = Autograd.noGrad()) {
 *     Tensor y = model.forward(x);   // no graph is recorded: inference, evaluation, optimizer updates
 * }
 * }</pre>
 */
public final class Autograd {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private Autograd() {}

    /** Whether operations on this thread record a graph. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** Turns recording off until the returned scope is closed (scopes nest). */
    public static Scope noGrad() {
        return set(false);
    }

    /** Turns recording on until the returned scope is closed (e.g. inside a no-grad region). */
    public static Scope enableGrad() {
        return set(true);
    }

    private static Scope set(boolean on) {
        boolean[] flag = ENABLED.get();
        boolean previous = flag[0];
        flag[0] = on;
        return () -> flag[0] = previous;
    }

    /** A region with a fixed recording mode; closing it restores the previous mode. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        /** Restores the recording mode in force before this scope. */
        @Override
        void close();
    }
}
