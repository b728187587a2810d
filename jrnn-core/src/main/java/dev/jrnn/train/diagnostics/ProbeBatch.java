package dev.jrnn.train.diagnostics;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.rnn.RnnOutput;
import dev.jrnn.nn.rnn.RnnState;

import java.util.function.Function;

/**
 * What {@link GradientProbe} needs to measure a stock recurrent layer ({@code SimpleRnn}, {@code Lstm},
 * {@code Gru}) on one batch: its input, and the rest of the model as a function from the layer's output to a
 * scalar loss.
 *
 * <pre>{@code
 * // model: x -> rnn -> hN of the top layer -> Linear head -> MSE against y
 * ProbeBatch b = ProbeBatch.of(x, out -> Losses.mse(head.forward(out.hN().select(0, 0)), y));
 * // a language model: embedding outside, softmax head on every step
 * ProbeBatch lm = ProbeBatch.of(embedding.forward(ids), out -> Losses.crossEntropy(head.forward(out.output()), targets));
 * }</pre>
 *
 * @param x            the layer's input in its own layout ({@code [B, T, I]}, or {@code [T, B, I]} when the layer is
 *                     not batch-first); it is detached (no gradient flows into whatever computed it)
 * @param lengths      each sequence's valid length {@code 1..T}, or null for all T
 * @param initialState null for zeros, or a {@code HiddenState}/{@code LstmState} over {@code [L·D, B, H]} tensors, as
 *                     {@code RnnBase.forwardFrom} takes it (detached too)
 * @param loss         the rest of the model and the loss: receives what the layer's {@code forward} returns (output,
 *                     hN, cN) and returns a scalar
 */
public record ProbeBatch(Tensor x, int[] lengths, RnnState initialState, Function<RnnOutput, Tensor> loss) {
    /** Checks that {@code x} and {@code loss} are given. */
    public ProbeBatch {
        if (x == null || loss == null) {
            throw new IllegalArgumentException("ProbeBatch: x and loss are required (got x=" + (x == null ? "null" : "a tensor")
                    + ", loss=" + (loss == null ? "null" : "a function") + ")");
        }
    }

    /** Full-length sequences from a zero state. */
    public static ProbeBatch of(Tensor x, Function<RnnOutput, Tensor> loss) {
        return new ProbeBatch(x, null, null, loss);
    }

    /** A padded batch with each sequence's valid length, from a zero state. */
    public static ProbeBatch of(Tensor x, int[] lengths, Function<RnnOutput, Tensor> loss) {
        return new ProbeBatch(x, lengths, null, loss);
    }
}
