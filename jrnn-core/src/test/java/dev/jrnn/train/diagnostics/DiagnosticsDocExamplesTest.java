package dev.jrnn.train.diagnostics;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.nn.rnn.SimpleRnn;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.GradClip;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The examples of docs/diagnostics.md, compiled and run (keep the two in step). */
class DiagnosticsDocExamplesTest {

    /** x [B, T, 2] → LSTM(16) → last hidden state → Linear(16, 1). */
    static final class Regressor extends Module {
        final Lstm lstm;
        final Linear head;

        Regressor(Rng rng) {
            lstm = registerModule("lstm", Lstm.builder(2, 16).rng(rng).build());
            head = registerModule("head", new Linear(16, 1, rng));
        }

        Tensor predict(Tensor x) {
            return head.forward(lstm.forward(x).hN().select(0, 0));
        }
    }

    static Tensor[] batch(Rng rng) {
        Tensor x = Tensor.constant(NdArray.rand(rng, DType.FLOAT32, 0, 1, 16, 20, 2));
        Tensor y = Tensor.constant(NdArray.rand(rng, DType.FLOAT32, 0, 1, 16, 1));
        return new Tensor[] {x, y};
    }

    @Test
    void oneMeasurement() {
        Regressor model = new Regressor(new Rng(1));
        Tensor[] b = batch(new Rng(2));
        Tensor x = b[0], y = b[1];
        // --- doc: one measurement
        DiagnosticsReport r = GradientProbe.measure(model.lstm,
                ProbeBatch.of(x, out -> Losses.mse(model.head.forward(out.hN().select(0, 0)), y)));
        LayerReport l0 = r.layer("l0");
        double[] g = l0.gradNorm();                      // [T]: mean over the batch of ‖∂L/∂h_t‖₂
        double vanishing = l0.firstLastRatio();           // g[0] / g[T-1]
        double rho = l0.spectralRadius().get("f");        // ρ of the forget gate's block of weight_hh
        double forgetOpen = l0.gate("f").high();          // fraction of forget-gate values above 0.95
        System.out.println(r.summary());
        // --- end
        assertEquals(20, g.length);
        assertTrue(vanishing > 0 && vanishing < 1, "at init an LSTM forgets: " + vanishing);
        assertTrue(rho > 0 && forgetOpen >= 0);
    }

    @Test
    void recordingDuringTraining(@TempDir Path dir) throws Exception {
        Rng rng = new Rng(3);
        Regressor model = new Regressor(rng);
        Tensor[] probe = batch(new Rng(4));
        Adam opt = new Adam(model.parameters(), Adam.Config.adam(1e-2));
        // --- doc: recording during training
        GradientDiagnostics diag = new GradientDiagnostics(dir.resolve("diagnostics"), 10)   // every 10 steps
                .log(System.out::println);
        for (int step = 1; step <= 30; step++) {
            Tensor[] b = batch(rng);
            opt.zeroGrad();
            Tensor loss = Losses.mse(model.predict(b[0]), b[1]);
            loss.backward();
            GradClip.byGlobalNorm(model.parameters(), 1.0);
            opt.step();
            diag.maybeRecord(step, model, model.lstm, () -> ProbeBatch.of(probe[0],
                    out -> Losses.mse(model.head.forward(out.hN().select(0, 0)), probe[1])));
        }
        // --- end
        assertEquals(3, diag.history().size());
        assertTrue(Files.exists(dir.resolve("diagnostics/grad-norm-l0.png")));
        assertTrue(Files.exists(dir.resolve("diagnostics/saturation.png")));
    }

    @Test
    void spectralRadius() {
        SimpleRnn rnn = SimpleRnn.builder(2, 32).rng(new Rng(5)).build();
        // --- doc: spectral radius
        NdArray whh = rnn.weightHh(0, false).data();              // [H, H]
        double before = SpectralRadius.of(whh);                  // ≈ 0.58 for PyTorch's U(±1/√H) at H = 32
        SpectralRadius.rescaleTo(whh, 1.5);                      // in place: now ρ(W_hh) = 1.5
        double[] lstmBlocks = SpectralRadius.ofBlocks(
                Lstm.builder(2, 32).rng(new Rng(6)).build().weightHh(0, false).data(), 4);   // i, f, g, o
        // --- end
        assertTrue(before > 0.4 && before < 0.8, "ρ = " + before);
        assertEquals(1.5, SpectralRadius.of(whh), 0.01);
        assertEquals(4, lstmBlocks.length);
    }
}
