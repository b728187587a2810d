package dev.jrnn.train;

import dev.jrnn.optim.DivergedException;
import dev.jrnn.tensor.DType;
import dev.jrnn.train.TrainTestSupport.MajorityModel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The divergence rule: a non-finite loss, or one more than EXPLOSION_FACTOR times the first, stops the run. */
class DivergenceTest {
    @Test
    void aLossTenThousandTimesTheFirstIsDivergenceJustBelowIsNot() {
        Divergence d = new Divergence();
        d.check(1, 4.0, 1.0);
        assertEquals(4.0, d.firstLoss());
        assertDoesNotThrow(() -> d.check(2, 4.0 * Divergence.EXPLOSION_FACTOR, 1.0));
        DivergedException e = assertThrows(DivergedException.class, () -> d.check(3, 2.8e31, 1.0));
        assertEquals("training diverged at step 3: the loss is 2.800e+31, more than 1.000e+04 times the first step's loss "
                + "4.000", e.getMessage());
        assertEquals(3, e.step());
    }

    @Test
    void aLossThatIsNotFiniteIsDivergenceAtOnce() {
        assertEquals("training diverged at step 1: the loss is NaN",
                assertThrows(DivergedException.class, () -> new Divergence().check(1, Double.NaN, 1.0)).getMessage());
        Divergence d = new Divergence();
        d.check(1, 1.0, 1.0);
        assertEquals("training diverged at step 2: the loss is Infinity",
                assertThrows(DivergedException.class, () -> d.check(2, Double.POSITIVE_INFINITY, 1.0)).getMessage());
    }

    @Test
    void aNonFiniteGradientIsLeftToTheOptimizerWhichNamesTheParameter() {
        assertDoesNotThrow(() -> new Divergence().check(1, Double.NaN, Double.NaN));
    }

    @Test
    void validationLossesFollowTheSameRule() {
        Divergence d = new Divergence();
        d.check(1, 2.0, 1.0);
        assertDoesNotThrow(() -> d.checkLoss(5, "the validation loss", 3.0));
        assertEquals("training diverged by step 5: the validation loss is 1.000e+06, more than 1.000e+04 times the first "
                + "step's loss 2.000", assertThrows(DivergedException.class,
                () -> d.checkLoss(5, "the validation loss", 1e6)).getMessage());
        assertEquals("training diverged by step 5: the validation loss is NaN", assertThrows(DivergedException.class,
                () -> d.checkLoss(5, "the validation loss", Double.NaN)).getMessage());
    }

    @Test
    void parametersHoldingNanAreNamed() {
        MajorityModel m = new MajorityModel(1, DType.FLOAT32);
        assertDoesNotThrow(() -> Divergence.requireFinite(m, 7));
        m.head.namedParameters().values().iterator().next().data().setFlat(0, Float.NaN);
        DivergedException e = assertThrows(DivergedException.class, () -> Divergence.requireFinite(m, 7));
        assertEquals("training diverged by step 7: parameter 'head.weight' holds NaN or infinite values", e.getMessage());
    }
}
