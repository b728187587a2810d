package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Embedding;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.Sequential;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import static dev.jrnn.nn.rnn.RnnTestSupport.assertShape;

/**
 * The examples of {@code docs/recurrent.md}, compiled and run, so the documentation cannot rot. Keep the
 * two in step: each test is one section of the page.
 */
class RecurrentDocExamplesTest {
    private final Rng rng = new Rng(42);
    private final Tensor x = Tensor.constant(NdArray.randn(new Rng(1), DType.FLOAT32, 0, 1, 3, 7, 10));   // [batch, time, features]

    @Test
    void aTwoLayerBidirectionalLstm() {
        Lstm lstm = Lstm.builder(10, 20)            // required: inputSize, hiddenSize
                .numLayers(2)
                .bidirectional(true)
                .dropout(0.2)                       // between the two layers, training only
                .rng(new Rng(42))
                .build();
        RnnOutput out = lstm.forward(x);            // x: [batch=3, time=7, features=10]
        Tensor output = out.output();               // [3, 7, 40]: forward | reverse of the top layer
        Tensor hN = out.hN();                       // [4, 3, 20]: l0 fwd, l0 rev, l1 fwd, l1 rev
        Tensor cN = out.cN();                       // [4, 3, 20]
        assertShape(output, 3, 7, 40);
        assertShape(hN, 4, 3, 20);
        assertShape(cN, 4, 3, 20);

        Tensor h0 = Tensor.zeros(4, 3, 20), c0 = Tensor.zeros(4, 3, 20);
        int[] lengths = {7, 4, 2};                  // a padded batch: each sequence's valid length
        RnnOutput padded = lstm.forward(x, h0, c0, lengths);
        Tensor summary = Tensor.concat(1, padded.hN().select(0, 2), padded.hN().select(0, 3));   // [3, 40]
        assertShape(summary, 3, 40);

        lstm.eval();                                // no dropout
        lstm.path(RnnBase.Path.READABLE);           // the cells, over the same parameters
        assertShape(lstm.forward(x).output(), 3, 7, 40);
    }

    @Test
    void scanLayers() {
        MinLstm layer = MinLstm.builder(10, 32).numLayers(2).bidirectional(true).rng(rng).build();
        RnnOutput out = layer.forward(x, null, new int[] {7, 4, 2});      // x [3, 7, 10]: output [3, 7, 64], hN [4, 3, 32]
        MinLstmCell cell = layer.cell(0, false);                           // the same parameters, stepped
        HiddenState s = cell.step(x.select(1, 0), cell.zeroState(3, DType.FLOAT32));
        assertShape(out.output(), 3, 7, 64);
        assertShape(out.hN(), 4, 3, 32);
        assertShape(s.h(), 3, 32);
    }

    @Test
    void xLstmLayers() {
        MLstm layer = MLstm.builder(10, 32).heads(4).numLayers(2).rng(rng).build();
        RnnOutput out = layer.forward(x);                                  // x [3, 7, 10]: output [3, 7, 32], parallel form
        MLstmState state = (MLstmState) out.state();                       // h [2, 3, 32], c [2, 3, 4·8·8], n [2, 3, 32], m [2, 3, 4]
        RnnOutput next = layer.forwardFrom(x, state.detach(), null);       // carry the state into the next chunk
        MLstmCell cell = layer.cell(0, false);                             // the recurrent form, same parameters
        MLstmState s = cell.step(x.select(1, 0), cell.zeroState(3, DType.FLOAT32));
        assertShape(out.output(), 3, 7, 32);
        assertShape(state.c(), 2, 3, 256);
        assertShape(state.m(), 2, 3, 4);
        assertShape(next.output(), 3, 7, 32);
        assertShape(s.c(), 3, 256);
    }

    /** A cell of your own: one step from tensor ops; no loop, no backward. */
    static final class MinimalRnnCell extends Module implements RecurrentCell<HiddenState> {
        private final int inputSize, hiddenSize;
        private final Parameter kernel, recurrentKernel;

        MinimalRnnCell(int inputSize, int hiddenSize, Rng rng) {
            this.inputSize = inputSize;
            this.hiddenSize = hiddenSize;
            kernel = registerParameter("kernel", new Parameter(NdArray.rand(rng, DType.FLOAT32, -0.1, 0.1, inputSize, hiddenSize)));
            recurrentKernel = registerParameter("recurrent_kernel",
                    new Parameter(NdArray.rand(rng, DType.FLOAT32, -0.1, 0.1, hiddenSize, hiddenSize)));
        }

        @Override public int inputSize() { return inputSize; }
        @Override public int hiddenSize() { return hiddenSize; }

        @Override
        public HiddenState step(Tensor x, HiddenState s) {          // h' = tanh(x K + h R)
            return new HiddenState(x.matmul(kernel).add(s.h().matmul(recurrentKernel)).tanh());
        }

        @Override
        public HiddenState zeroState(int batch, DType dtype) {
            return new HiddenState(Tensor.zeros(dtype, batch, hiddenSize));
        }
    }

    @Test
    void aCustomCell() {
        var layer = Recurrent.of(new MinimalRnnCell(10, 32, rng)).returnSequences(true);
        Tensor y = layer.forward(x);                                  // [3, 7, 32]
        assertShape(y, 3, 7, 32);
        var bi = Bidirectional.of(() -> new MinimalRnnCell(10, 32, rng), MergeMode.CONCAT);
        assertShape(bi.forward(x), 3, 64);                           // last outputs, [forward | backward]
    }

    @Test
    void maskingAndStatefulStepping() {
        Recurrent<LstmState> layer = Recurrent.of(new LstmCell(10, 16, rng)).returnSequences(true);
        RecurrentResult<LstmState> r = layer.forward(x, new int[] {7, 4, 2}, null);
        Tensor y = r.output();                 // [3, 7, 16], zero at padded steps
        Tensor c = r.state().c();              // [3, 16], after each sequence's last valid step
        assertShape(y, 3, 7, 16);
        assertShape(c, 3, 16);

        StatefulRunner<LstmState> run = layer.stateful();
        for (int t = 0; t < 7; t++) {
            Tensor yt = run.step(x.select(1, t));   // [3, 10] -> [3, 16], the state is kept
            assertShape(yt, 3, 16);
        }
        run.detach();                          // truncated BPTT: keep values, cut the graph
    }

    @Test
    void inASequential() {
        Embedding emb = Embedding.builder(1000, 10).paddingIdx(0).rng(rng).build();
        Gru gru = Gru.builder(10, 16).bidirectional(true).rng(rng).build();
        Sequential model = new Sequential(emb, gru.asLayer(false), new Linear(32, 2, rng));
        Tensor ids = Tensor.of(new float[] {5, 17, 3, 0, 9, 9, 2, 1}, 2, 4);   // [batch, time] token ids
        assertShape(model.forward(ids), 2, 2);
        assertShape(gru.forward(x.slice(2, 0, 10), null, new int[] {7, 4, 2}).hN(), 2, 3, 16);   // never ambiguous: h0 null
    }
}
