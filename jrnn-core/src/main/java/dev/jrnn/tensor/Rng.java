package dev.jrnn.tensor;

/**
 * A small, seedable, savable random generator (SplitMix64, Steele, Lea and Flood 2014). Its whole state is
 * one {@code long}, so checkpoints can store and restore it exactly; the same seed gives the same numbers on
 * every JVM.
 */
public final class Rng {
    private long state;

    /** A generator started from {@code seed}. */
    public Rng(long seed) {
        this.state = seed;
    }

    /** Next 64 random bits. */
    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform double in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform int in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("Rng.nextInt: bound must be positive, got " + bound);
        }
        return (int) Math.floorMod(nextLong() >>> 1, (long) bound);
    }

    /** Standard normal sample (Marsaglia's polar method; the second sample is dropped so the state stays one long). */
    public double nextGaussian() {
        double u, v, s;
        do {
            u = 2 * nextDouble() - 1;
            v = 2 * nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * Math.sqrt(-2 * Math.log(s) / s);
    }

    /** Shuffles {@code a} in place (Fisher–Yates). */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** The generator's state, for checkpoints; {@link #setState} restores it. */
    public long state() {
        return state;
    }

    /** Restores a state returned by {@link #state()}. */
    public void setState(long state) {
        this.state = state;
    }
}
