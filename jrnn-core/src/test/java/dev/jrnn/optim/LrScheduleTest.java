package dev.jrnn.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LrScheduleTest {
    @Test
    void stepDecayHalvesEveryTwoEpochs() {
        LrSchedule s = LrSchedule.step(0.1, 2, 0.5);
        assertEquals(0.1, s.lr(0), 1e-15);
        assertEquals(0.1, s.lr(1), 1e-15);
        assertEquals(0.05, s.lr(2), 1e-15);
        assertEquals(0.025, s.lr(5), 1e-15);
    }

    @Test
    void zarembaScheduleKeepsFourEpochsThenHalves() {
        LrSchedule s = LrSchedule.decayAfter(1.0, 4, 0.5);
        assertEquals(1.0, s.lr(0));
        assertEquals(1.0, s.lr(3));
        assertEquals(0.5, s.lr(4));
        assertEquals(0.25, s.lr(5));
    }

    @Test
    void exponentialAndCosine() {
        assertEquals(0.1 * Math.pow(0.9, 3), LrSchedule.exponential(0.1, 0.9).lr(3), 1e-15);
        LrSchedule c = LrSchedule.cosine(1.0, 10, 0.0);
        assertEquals(1.0, c.lr(0), 1e-15);
        assertEquals(0.5, c.lr(5), 1e-15);
        assertEquals(0.0, c.lr(10), 1e-15);
        assertEquals(0.0, c.lr(20), 1e-15);
    }

    @Test
    void warmupRampsLinearly() {
        LrSchedule s = LrSchedule.constant(0.01).withWarmup(4);
        assertEquals(0.0025, s.lr(0), 1e-15);
        assertEquals(0.0075, s.lr(2), 1e-15);
        assertEquals(0.01, s.lr(3), 1e-15);
        assertEquals(0.01, s.lr(100), 1e-15);
    }

    @Test
    void plateauReducesAfterPatienceRunsOut() {
        ReduceOnPlateau r = new ReduceOnPlateau(0.5, 1, 0.001, 0);
        double lr = 0.1;
        lr = r.update(1.0, lr);   // first value: best
        assertEquals(0.1, lr);
        lr = r.update(0.9, lr);   // improved
        assertEquals(0.1, lr);
        lr = r.update(0.95, lr);  // 1 bad epoch: within patience
        assertEquals(0.1, lr);
        lr = r.update(0.95, lr);  // 2 bad epochs: reduce
        assertEquals(0.05, lr);
        assertEquals(0.9, r.best());
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.step(0.1, 0, 0.5));
        assertEquals("LrSchedule.step: stepSize must be >= 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.exponential(Double.NaN, 0.5));
        assertEquals("LrSchedule.exponential: base must be a finite number > 0, got NaN", e.getMessage());
    }
}
