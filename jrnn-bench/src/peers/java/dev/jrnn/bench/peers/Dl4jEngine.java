package dev.jrnn.bench.peers;

import dev.jrnn.bench.BenchData;
import dev.jrnn.bench.Workload;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Deeplearning4j 1.0.0-M2.1 on ND4J's native CPU backend ({@code nd4j-native}, linux-x86_64), MultiLayerNetwork,
 * workspaces enabled. Data in DL4J's default {@code [batch, features, time]} layout (NCW), made from the shared
 * {@code [batch, time, features]} data by a permute + copy once, outside the timed step. The shared parameters
 * are converted: DL4J keeps {@code W [in, G·H]}, {@code RW [H, G·H]} (transposed against PyTorch) and one bias
 * ({@code b_ih + b_hh}); its LSTM gate blocks are ordered (g, f, o, i) — block input, forget, output, input —
 * against PyTorch's (i, f, g, o). MSE is DL4J's {@code RnnLossLayer(MSE)} (identity), the mean over H and B like
 * jrnn's up to a factor: DL4J's RNN losses average over the batch but sum over time, so its loss
 * (and gradient) is T times PyTorch's mean; the cross-check divides by T. DL4J has no GRU layer in its layer API (only a SameDiff op), so W3 is not run.
 */
public final class Dl4jEngine implements dev.jrnn.bench.Engine {
    /** DL4J's LSTM block j holds PyTorch's block LSTM_PERM[j]. */
    static final int[] LSTM_PERM = parsePerm(System.getProperty("jrnn.bench.dl4jPerm", "2,1,3,0"));

    @Override
    public String name() { return "dl4j"; }

    @Override
    public String describe() {
        return "Deeplearning4j 1.0.0-M2.1, ND4J backend " + Nd4j.getBackend().getClass().getSimpleName()
                + ", OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS") + ", workspaces ENABLED, float32";
    }

    @Override
    public String unsupported(Workload w) {
        return w.cell == Workload.Cell.GRU ? "DL4J has no GRU layer in its layer API (only a SameDiff op)" : null;
    }

    @Override
    public Step prepare(Workload w, BenchData d) {
        int B = w.batch, T = w.time, I = w.input, H = w.hidden;
        var b = new NeuralNetConfiguration.Builder()
                .seed(d.seed).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER)
                .updater(w == Workload.W6 ? new Adam(d.lr) : new Sgd(d.lr))
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .list();
        int layer = 0;
        if (w == Workload.W5 || w == Workload.W6) {
            int vocab = w == Workload.W5 ? Workload.CHARS : Workload.WORDS;
            b.layer(layer++, new EmbeddingSequenceLayer.Builder().nIn(vocab).nOut(I).inputLength(T)
                    .outputDataFormat(org.deeplearning4j.nn.conf.RNNFormat.NCW).build());
        }
        int in = I;
        for (int l = 0; l < w.layers; l++, in = H) {
            var rnn = w.cell == Workload.Cell.LSTM
                    ? new LSTM.Builder().nIn(in).nOut(H).activation(Activation.TANH)
                            .gateActivationFunction(Activation.SIGMOID).build()
                    : new SimpleRnn.Builder().nIn(in).nOut(H).activation(Activation.TANH).build();
            b.layer(layer++, w == Workload.W6 && l == w.layers - 1 ? new LastTimeStep(rnn) : rnn);
        }
        switch (w) {
            case W5 -> b.layer(layer, new RnnOutputLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX)
                    .dataFormat(org.deeplearning4j.nn.conf.RNNFormat.NCW).nIn(H).nOut(Workload.CHARS).build());
            case W6 -> b.layer(layer, new OutputLayer.Builder(LossFunction.XENT).activation(Activation.SIGMOID)
                    .nIn(H).nOut(1).build());
            default -> b.layer(layer, new RnnLossLayer.Builder(LossFunction.MSE).activation(Activation.IDENTITY).build());
        }
        MultiLayerNetwork net = new MultiLayerNetwork(b.build());
        net.init();
        loadParams(net, w, d);

        INDArray features, labels;
        if (w == Workload.W5 || w == Workload.W6) {
            float[] ids = new float[d.ids.length];
            for (int i = 0; i < ids.length; i++) ids[i] = d.ids[i];
            features = Nd4j.create(ids, new long[] {B, T}, DataType.FLOAT);
        } else {
            features = Nd4j.create(d.x, new long[] {B, T, I}, 'c').permute(0, 2, 1).dup('c');   // [B, I, T]
        }
        if (w == Workload.W5) {
            labels = Nd4j.zeros(DataType.FLOAT, B, Workload.CHARS, T);
            for (int bb = 0; bb < B; bb++) {
                for (int t = 0; t < T; t++) labels.putScalar(new long[] {bb, d.targets[bb * T + t], t}, 1f);
            }
        } else if (w == Workload.W6) {
            labels = Nd4j.create(d.labels, new long[] {B, 1}, 'c');
        } else if (w.training) {
            labels = Nd4j.create(d.y, new long[] {B, T, H}, 'c').permute(0, 2, 1).dup('c');    // [B, H, T]
        } else {
            labels = null;
        }
        DataSet ds = labels == null ? null : new DataSet(features, labels);
        return new Step() {
            @Override
            public double run() {
                if (!w.training) {
                    return net.output(features).sumNumber().doubleValue();
                }
                net.fit(ds);
                return net.score();
            }

            @Override
            public double loss() {
                if (!w.training) return net.output(features).sumNumber().doubleValue();
                // DL4J's RNN losses average over the batch but sum over time steps: divide by T to compare with
                // the mean over B·T (the gradient is T times larger; the computation is the same)
                return w == Workload.W6 ? net.score(ds) : net.score(ds) / w.time;
            }
        };
    }

    /** Loads BenchData's PyTorch-layout parameters into DL4J's. */
    private static void loadParams(MultiLayerNetwork net, Workload w, BenchData d) {
        int layer = 0;
        if (w == Workload.W5 || w == Workload.W6) {
            set(net, layer++ + "_W", d.param("emb.weight").values(), d.param("emb.weight").shape());
        }
        int G = w.cell.gates, H = w.hidden;
        for (int l = 0; l < w.layers; l++, layer++) {
            float[] wih = d.param("rnn.weight_ih_l" + l).values(), whh = d.param("rnn.weight_hh_l" + l).values();
            float[] bih = d.param("rnn.bias_ih_l" + l).values(), bhh = d.param("rnn.bias_hh_l" + l).values();
            int in = wih.length / (G * H);
            int[] perm = G == 4 ? LSTM_PERM : new int[] {0};
            set(net, layer + "_W", transposeBlocks(wih, G, H, in, perm), new int[] {in, G * H});
            set(net, layer + "_RW", transposeBlocks(whh, G, H, H, perm), new int[] {H, G * H});
            float[] bias = new float[G * H];
            for (int j = 0; j < G; j++) {
                for (int r = 0; r < H; r++) bias[j * H + r] = bih[perm[j] * H + r] + bhh[perm[j] * H + r];
            }
            set(net, layer + "_b", bias, new int[] {1, G * H});
        }
        if (w == Workload.W5 || w == Workload.W6) {
            BenchData.Param fw = d.param("fc.weight");   // [out, H]
            int out = fw.shape()[0];
            set(net, layer + "_W", transposeBlocks(fw.values(), 1, out, H, new int[] {0}), new int[] {H, out});
            set(net, layer + "_b", d.param("fc.bias").values(), new int[] {1, out});
        }
    }

    /** PyTorch's [G·H, in] (blocks of H rows) to DL4J's [in, G·H] with block j = PyTorch's block perm[j]. */
    private static float[] transposeBlocks(float[] src, int G, int H, int in, int[] perm) {
        float[] dst = new float[in * G * H];
        for (int j = 0; j < G; j++) {
            for (int r = 0; r < H; r++) {
                int srcRow = perm[j] * H + r;
                for (int c = 0; c < in; c++) dst[c * G * H + j * H + r] = src[srcRow * in + c];
            }
        }
        return dst;
    }

    private static void set(MultiLayerNetwork net, String key, float[] values, int[] shape) {
        INDArray cur = net.getParam(key);
        long[] s = new long[shape.length];
        for (int i = 0; i < s.length; i++) s[i] = shape[i];
        INDArray v = Nd4j.create(values, s, 'c').castTo(DataType.FLOAT);
        if (cur == null || cur.length() != v.length()) {
            throw new IllegalStateException("DL4J parameter " + key + " is " + (cur == null ? "missing" :
                    java.util.Arrays.toString(cur.shape())) + ", expected " + java.util.Arrays.toString(s)
                    + "; parameters: " + net.paramTable().keySet());
        }
        net.setParam(key, v.reshape(cur.shape()));
    }

    private static int[] parsePerm(String s) {
        String[] p = s.split(",");
        int[] o = new int[p.length];
        for (int i = 0; i < p.length; i++) o[i] = Integer.parseInt(p[i].trim());
        return o;
    }
}
