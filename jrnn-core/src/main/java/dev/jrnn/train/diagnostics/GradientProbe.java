package dev.jrnn.train.diagnostics;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.rnn.GruCell;
import dev.jrnn.nn.rnn.GruVariant;
import dev.jrnn.nn.rnn.HiddenState;
import dev.jrnn.nn.rnn.MinGruCell;
import dev.jrnn.nn.rnn.MinLstmCell;
import dev.jrnn.nn.rnn.LstmCell;
import dev.jrnn.nn.rnn.LstmState;
import dev.jrnn.nn.rnn.MLstmCell;
import dev.jrnn.nn.rnn.MLstmState;
import dev.jrnn.nn.rnn.SLstmCell;
import dev.jrnn.nn.rnn.SLstmState;
import dev.jrnn.nn.rnn.MinimalGruCell;
import dev.jrnn.nn.rnn.RecurrentCell;
import dev.jrnn.nn.rnn.Recurrent;
import dev.jrnn.nn.rnn.RecurrentResult;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.RnnConfig;
import dev.jrnn.nn.rnn.RnnKernels;
import dev.jrnn.nn.rnn.RnnOutput;
import dev.jrnn.nn.rnn.RnnState;
import dev.jrnn.nn.rnn.Sequences;
import dev.jrnn.nn.rnn.SimpleRnnCell;
import dev.jrnn.nn.rnn.StandardCell;
import dev.jrnn.nn.rnn.TttLinearCell;
import dev.jrnn.nn.rnn.TttState;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Shapes;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Measures a recurrent layer on one batch: {@code ‖∂L/∂h_t‖} for every step t of every layer-direction, the
 * spectral radius of each {@code weight_hh} block and the saturation of every gate ({@link DiagnosticsReport}).
 *
 * <p><b>How ∂L/∂h_t is read (the probe).</b> The layer is run on its readable path — its cells
 * ({@code rnn.cell(k, reverse)}), over the very {@link Parameter}s the fast path reads — unrolled here step by
 * step, exactly as {@code Recurrent} unrolls them (same masking for padded batches, same reversal). After each
 * step a zero leaf {@code p_t} {@code [B, H]} that requires a gradient is added to the new state's {@code h},
 * and {@code h_t + p_t} is what both the layer's output at t (to the layer above or the loss) and the next step
 * read. The values are unchanged (p = 0), and after one {@code backward()} of the loss {@code p_t.grad()} is
 * {@code ∂L/∂h_t}: the total derivative, through the output and through {@code h_{t+1}}, every layer at once.
 * For an LSTM the probe is on {@code h}, not on the memory {@code c}. A hook inside the fused kernels
 * ({@code RnnKernels}) would be faster, but the readable path needs no change to the kernels, works for any
 * {@link RecurrentCell} and is already tested against the fast path (to 1e-10 in float64), so the numbers
 * are the fast path's too. It costs one forward and backward of the readable path (a few times a fast training step).
 *
 * <p><b>Side effects: none.</b> The gradients of the layer's parameters and of {@code model}'s are restored
 * after the backward pass (so a diagnostic between {@code backward()} and {@code step()} leaves the update
 * unchanged), {@code model} is run in {@code eval()} mode and put back, the input is detached, and
 * dropout between stacked layers is not applied (as in {@code eval()}).
 *
 * <pre>{@code
 * DiagnosticsReport r = GradientProbe.measure(rnn,
 *         ProbeBatch.of(x, out -> Losses.mse(head.forward(out.hN().select(0, 0)), y)));
 * double[] g = r.layer("l0").gradNorm();             // [T]: mean over the batch of ‖∂L/∂h_t‖₂
 * double rho = r.layer("l0").headlineSpectralRadius();
 * }</pre>
 *
 * <p>TTT-Linear ({@code TttLinear}): the probe sits on each step's output {@code h_t}, which the cell never reads
 * back (its recurrence is the fast weights {@code W}), so the norms there show how the loss reaches each output,
 * not a flow through time; the gate counted is the inner learning rate's sigmoid ({@code eta}), one per head.
 *
 * <p>Supported: {@code SimpleRnn} (tanh, relu), {@code Lstm}, {@code Gru} (both variants), any number of
 * layers, bidirectional, padded batches, batch-first or not, an initial state; and {@code Recurrent.of(cell)}
 * over any cell (spectral radius and gates for the built-in cells; the gradient norms for every cell whose
 * state's {@code h()} is one of its {@code tensors()}; for a {@code StackedCell}, the top layer's h).
 */
public final class GradientProbe {
    private GradientProbe() {}

    /** Measures {@code rnn} at step 0 with the default settings, restoring the layer's own gradients. */
    public static DiagnosticsReport measure(RnnBase rnn, ProbeBatch batch) {
        return measure(0, rnn, rnn, batch, DiagnosticsConfig.defaults());
    }

    /**
     * Measures a stock recurrent layer.
     *
     * @param step   the training step, recorded in the report
     * @param model  the model whose parameter gradients and training mode are left as they were (usually the
     *               whole model, which contains {@code rnn} and what {@code batch.loss} uses); null for {@code rnn}
     * @param rnn    the layer to measure
     * @param batch  its input and the loss as a function of its output
     * @param config power-iteration length and saturation thresholds
     */
    public static DiagnosticsReport measure(long step, Module model, RnnBase rnn, ProbeBatch batch, DiagnosticsConfig config) {
        if (rnn == null || batch == null || config == null) {
            throw new IllegalArgumentException("GradientProbe.measure: rnn, batch and config are required");
        }
        return guarded(model, rnn, () -> measureStock(step, rnn, batch, config));
    }

    /** Measures a {@code Recurrent} layer at step 0 with the default settings; {@code x} {@code [B, T, I]}. */
    public static <S extends RnnState> DiagnosticsReport measure(Recurrent<S> layer, Tensor x,
                                                                 Function<RecurrentResult<S>, Tensor> loss) {
        return measure(0, layer, layer, x, null, null, loss, DiagnosticsConfig.defaults());
    }

    /**
     * Measures a {@code Recurrent} layer (forward or {@code goBackwards}). The loss function receives what
     * {@code layer.forward(x, lengths, initialState)} returns: the output {@code [B, T, H]} (processing order)
     * with {@code returnSequences}, else {@code [B, H]}, and the final state.
     *
     * @param x            {@code [B, T, I]}
     * @param lengths      valid lengths or null
     * @param initialState the state before step 0 or null for zeros
     */
    public static <S extends RnnState> DiagnosticsReport measure(long step, Module model, Recurrent<S> layer, Tensor x,
                                                                 int[] lengths, S initialState,
                                                                 Function<RecurrentResult<S>, Tensor> loss,
                                                                 DiagnosticsConfig config) {
        if (layer == null || x == null || loss == null || config == null) {
            throw new IllegalArgumentException("GradientProbe.measure: layer, x, loss and config are required");
        }
        return guarded(model, layer, () -> {
            RecurrentCell<S> cell = layer.cell();
            String op = "GradientProbe.measure(Recurrent(" + cell.getClass().getSimpleName() + "))";
            if (x.rank() != 3 || x.dim(2) != cell.inputSize()) {
                throw Shapes.mismatch(op, "x", x.shape(), "[batch, time, " + cell.inputSize() + "]");
            }
            Sequences.checkLengths(op, lengths, x.dim(0), x.dim(1));
            S init = initialState == null ? cell.zeroState(x.dim(0), x.dtype()) : detach(initialState);
            Direction<S> d = unroll(cell, x.detach(), lengths, init, layer.isGoBackwards(), config);
            Tensor out = layer.isReturnSequences() ? d.output : d.state.h();
            Tensor l = checkedLoss(op, loss.apply(new RecurrentResult<>(out, d.state)));
            l.backward();
            return new DiagnosticsReport(step, l.item(), List.of(d.report("cell", x.dim(0), x.dim(1), lengths, config)));
        });
    }

    // ------------------------------------------------------------------ the stock layers

    private static DiagnosticsReport measureStock(long step, RnnBase rnn, ProbeBatch batch, DiagnosticsConfig config) {
        RnnConfig c = rnn.config();
        String op = "GradientProbe.measure(" + rnn.getClass().getSimpleName() + ")";
        Tensor x = batch.x().detach();
        if (x.rank() != 3 || x.dim(2) != c.inputSize()) {
            throw Shapes.mismatch(op, "x", x.shape(), (c.batchFirst() ? "[batch, time, " : "[time, batch, ")
                    + c.inputSize() + "] (the layer's input, batchFirst=" + c.batchFirst() + ")");
        }
        Tensor in = c.batchFirst() ? x : x.transpose(0, 1);                 // [B, T, I] inside
        int batchSize = in.dim(0), time = in.dim(1);
        int[] lengths = batch.lengths();
        Sequences.checkLengths(op, lengths, batchSize, time);
        Tensor h0 = null, c0 = null;
        if (batch.initialState() != null) {
            RnnState s = batch.initialState();
            h0 = s.h().detach();
            c0 = s instanceof LstmState ls ? ls.c().detach() : null;
            int ld = c.numLayers() * c.numDirections();
            if (h0.rank() != 3 || h0.dim(0) != ld || h0.dim(1) != batchSize || h0.dim(2) != c.hiddenSize()) {
                throw Shapes.mismatch(op, "initialState.h", h0.shape(), "[numLayers·directions=" + ld + ", batch="
                        + batchSize + ", hidden=" + c.hiddenSize() + "]");
            }
        }
        int dirs = c.numDirections();
        List<Direction<?>> runs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Tensor> hs = new ArrayList<>(), cs = new ArrayList<>();
        List<RnnState> xs = new ArrayList<>();                              // xLSTM final states
        for (int k = 0; k < c.numLayers(); k++) {
            Tensor[] outs = new Tensor[dirs];
            for (int d = 0; d < dirs; d++) {
                int i = k * dirs + d;
                boolean reverse = d == 1;
                StandardCell<?> cell = rnn.cell(k, reverse);
                Direction<?> run;
                if (cell instanceof LstmCell lc) {
                    LstmState init = new LstmState(
                            h0 == null ? Tensor.zeros(in.dtype(), batchSize, c.hiddenSize()) : h0.select(0, i),
                            c0 == null ? Tensor.zeros(in.dtype(), batchSize, c.hiddenSize()) : c0.select(0, i));
                    Direction<LstmState> r = unroll(lc, in, lengths, init, reverse, config);
                    cs.add(r.state.c());
                    run = r;
                } else if (cell instanceof SLstmCell sc) {                      // xLSTM: (h, c, n, m) from zeros
                    SLstmState init = batch.initialState() instanceof SLstmState s0 ? selected(s0, i) : sc.zeroState(batchSize, in.dtype());
                    run = unroll(sc, in, lengths, init, reverse, config);
                    xs.add(run.state);
                } else if (cell instanceof MLstmCell mc) {                      // the recurrent form, probed per step
                    MLstmState init = batch.initialState() instanceof MLstmState s0 ? selected(s0, i) : mc.zeroState(batchSize, in.dtype());
                    run = unroll(mc, in, lengths, init, reverse, config);
                    xs.add(run.state);
                } else if (cell instanceof TttLinearCell tc) {                  // state: output h and fast weights W
                    TttState init = TttState.atBoundary(
                            h0 == null ? Tensor.zeros(in.dtype(), batchSize, c.hiddenSize()) : h0.select(0, i),
                            c0 == null ? tc.initialWeights(batchSize, in.dtype()) : c0.select(0, i));
                    Direction<TttState> r = unroll(tc, in, lengths, init, reverse, config);
                    cs.add(r.state.w());
                    run = r;
                } else {
                    @SuppressWarnings("unchecked")
                    StandardCell<HiddenState> hc = (StandardCell<HiddenState>) cell;   // every other stock cell
                    HiddenState init = new HiddenState(
                            h0 == null ? Tensor.zeros(in.dtype(), batchSize, c.hiddenSize()) : h0.select(0, i));
                    run = unroll(hc, in, lengths, init, reverse, config);
                }
                hs.add(run.state.h());
                outs[d] = reverse ? Sequences.reverse(run.output, lengths) : run.output;   // input time order
                runs.add(run);
                names.add("l" + k + (reverse ? "_reverse" : ""));
            }
            in = dirs == 1 ? outs[0] : Tensor.concat(2, outs);              // [B, T, D·H]: forward | reverse
        }
        Tensor output = c.batchFirst() ? in : in.transpose(0, 1);
        Tensor hN = Tensor.stack(0, hs.toArray(new Tensor[0]));             // [L·D, B, H]
        Tensor cN = cs.isEmpty() ? null : Tensor.stack(0, cs.toArray(new Tensor[0]));   // LSTM: c; TTT-Linear: W
        RnnState full = null;
        if (!xs.isEmpty()) {
            List<Tensor> stacked = new ArrayList<>();
            for (int j = 0; j < 4; j++) {
                Tensor[] parts = new Tensor[xs.size()];
                for (int i = 0; i < parts.length; i++) parts[i] = xs.get(i).tensors().get(j);
                stacked.add(Tensor.stack(0, parts));
            }
            full = xs.get(0).withTensors(stacked);
        }
        Tensor loss = checkedLoss(op, batch.loss().apply(new RnnOutput(output, hN, cN, full)));
        loss.backward();
        List<LayerReport> layers = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            layers.add(runs.get(i).report(names.get(i), batchSize, time, lengths, config));
        }
        return new DiagnosticsReport(step, loss.item(), layers);
    }

    /** Layer-direction {@code i} of a stacked xLSTM state ({@code [L·D, B, ·]} tensors), detached. */
    @SuppressWarnings("unchecked")
    private static <S extends RnnState> S selected(S s, int i) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : s.tensors()) out.add(t.detach().select(0, i));
        return (S) s.withTensors(out);
    }

    // ------------------------------------------------------------------ the loop with probes

    /** One layer-direction unrolled with probes: its outputs (processing order), final state, probes and gates. */
    private static final class Direction<S extends RnnState> {
        final RecurrentCell<S> cell;
        final boolean reverse;
        final Tensor[] probes;
        final Gates gates;
        Tensor output;
        S state;

        Direction(RecurrentCell<S> cell, boolean reverse, int time, Gates gates) {
            this.cell = cell;
            this.reverse = reverse;
            this.probes = new Tensor[time];
            this.gates = gates;
        }

        /** Reads the probes' gradients (after the backward pass) into a report. */
        LayerReport report(String name, int batch, int time, int[] lengths, DiagnosticsConfig config) {
            int hidden = cell.hiddenSize();
            double[][] perExample = new double[time][batch];
            for (double[] row : perExample) java.util.Arrays.fill(row, Double.NaN);
            for (int s = 0; s < time; s++) {                               // s: processing step
                NdArray g = probes[s] == null ? null : probes[s].grad();
                double[] gv = g == null ? null : g.toDoubleArray();
                for (int b = 0; b < batch; b++) {
                    int len = lengths == null ? time : lengths[b];
                    if (s >= len) {
                        continue;                                          // a padded step: not part of this sequence
                    }
                    double sq = 0;
                    if (gv != null) {
                        for (int u = 0; u < hidden; u++) sq += gv[b * hidden + u] * gv[b * hidden + u];
                    }
                    int t = reverse ? len - 1 - s : s;                     // back to the input's time order
                    perExample[t][b] = Math.sqrt(sq);
                }
            }
            double[] mean = new double[time];
            for (int t = 0; t < time; t++) {
                double sum = 0;
                int n = 0;
                for (int b = 0; b < batch; b++) {
                    if (lengths == null || t < lengths[b]) {              // valid steps only (NaN from a blow-up stays)
                        sum += perExample[t][b];
                        n++;
                    }
                }
                mean[t] = n == 0 ? Double.NaN : sum / n;
            }
            Map<String, Double> rho = new LinkedHashMap<>(), norm = new LinkedHashMap<>();
            String headline = null;
            if (cell instanceof StandardCell<?> sc && sc.weightHh() != null) {   // scan cells have no weight_hh
                NdArray w = sc.weightHh().data();
                int blocks = w.dim(0) / w.dim(1);
                String[] names = blockNames(cell, blocks);
                double[] r = SpectralRadius.ofBlocks(w, blocks, config.powerIterations(), config.seed());
                double[] n2 = SpectralRadius.spectralNormOfBlocks(w, blocks, config.powerIterations(), config.seed());
                for (int g = 0; g < blocks; g++) {
                    rho.put(names[g], r[g]);
                    norm.put(names[g], n2[g]);
                }
                headline = headlineBlock(cell, names);
            }
            return new LayerReport(name, cellName(cell), mean, perExample, rho, norm, headline, gates.stats());
        }
    }

    /**
     * The {@code Recurrent} loop (same masking and reversal), with a zero probe added to {@code h} after each
     * step. {@code x} is {@code [B, T, I]} in input order; the outputs come back in processing order.
     */
    private static <S extends RnnState> Direction<S> unroll(RecurrentCell<S> cell, Tensor x, int[] lengths, S init,
                                                            boolean reverse, DiagnosticsConfig config) {
        int batch = x.dim(0), time = x.dim(1), hidden = cell.hiddenSize();
        Direction<S> d = new Direction<>(cell, reverse, time, Gates.of(cell, config));
        Tensor[] xs = Sequences.unstack(reverse ? Sequences.reverse(x, lengths) : x, 1);   // T x [B, I]
        int steps = Sequences.maxLength(lengths, time);
        Tensor[] ys = new Tensor[time];
        S state = init;
        for (int t = 0; t < steps; t++) {
            S next = cell.step(xs[t], state);
            boolean[] valid = valid(lengths, t, batch);
            d.gates.observe(xs[t], state, next, valid);
            NdArray m = Sequences.stepMask(lengths, t, batch, x.dtype());   // null while every sequence runs
            S kept = m == null ? next : blend(Tensor.constant(m), next, state);   // ended sequences keep their state
            Tensor probe = Tensor.variable(NdArray.zeros(x.dtype(), batch, hidden));
            d.probes[t] = probe;
            state = withH(kept, kept.h().add(probe));                      // what the next step and the output read
            ys[t] = m == null ? state.h() : state.h().mul(Tensor.constant(m));   // ended sequences output zeros
        }
        for (int t = steps; t < time; t++) {
            ys[t] = Tensor.zeros(x.dtype(), batch, hidden);
        }
        d.output = Tensor.stack(1, ys);                                     // [B, T, H], processing order
        d.state = state;
        return d;
    }

    private static boolean[] valid(int[] lengths, int t, int batch) {
        if (lengths == null) {
            return null;
        }
        boolean[] v = new boolean[batch];
        for (int b = 0; b < batch; b++) v[b] = t < lengths[b];
        return v;
    }

    @SuppressWarnings("unchecked")
    private static <S extends RnnState> S blend(Tensor m, S next, S old) {
        Tensor notM = Tensor.constant(m.data().affine(-1, 1));
        List<Tensor> a = next.tensors(), b = old.tensors();
        List<Tensor> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) out.add(a.get(i).mul(m).add(b.get(i).mul(notM)));
        return (S) next.withTensors(out);                                  // RnnState contract: the same type
    }

    /** The state with its {@code h()} replaced by {@code h}; {@code h()} must be one of {@code tensors()}. */
    @SuppressWarnings("unchecked")
    private static <S extends RnnState> S withH(S state, Tensor h) {
        List<Tensor> ts = new ArrayList<>(state.tensors());
        Tensor old = state.h();
        for (int i = 0; i < ts.size(); i++) {
            if (ts.get(i) == old) {
                ts.set(i, h);
                return (S) state.withTensors(ts);
            }
        }
        throw new IllegalArgumentException("GradientProbe: the state " + state.getClass().getSimpleName()
                + " has an h() that is none of its tensors(), so no probe can be placed on it");
    }

    @SuppressWarnings("unchecked")
    private static <S extends RnnState> S detach(S s) {
        return (S) s.detach();
    }

    private static Tensor checkedLoss(String op, Tensor loss) {
        if (loss == null || loss.data().size() != 1) {
            throw new IllegalArgumentException(op + ": the loss function must return a scalar, got "
                    + (loss == null ? "null" : "shape " + Shapes.str(loss.shape())));
        }
        if (!loss.requiresGrad()) {
            throw new IllegalArgumentException(op + ": the loss does not depend on the recurrent layer's output "
                    + "(or was computed under noGrad()), so there is no gradient to measure");
        }
        return loss;
    }

    // ------------------------------------------------------------------ side effects

    /** Runs {@code body} with gradients on, then restores the gradients and training mode of both modules. */
    private static DiagnosticsReport guarded(Module model, Object layer, java.util.function.Supplier<DiagnosticsReport> body) {
        Map<Parameter, NdArray> saved = new IdentityHashMap<>();
        List<Module> modules = new ArrayList<>();
        if (model != null) modules.add(model);
        if (layer instanceof Module m && m != model) modules.add(m);
        Map<Module, Boolean> training = new IdentityHashMap<>();
        for (Module m : modules) {
            for (Parameter p : m.parameters()) saved.put(p, p.grad());
            training.put(m, m.isTraining());
        }
        if (model != null) {
            model.eval();
        }
        try (Autograd.Scope ignored = Autograd.enableGrad()) {
            return body.get();
        } finally {
            saved.forEach(Parameter::setGrad);                              // the backward pass added to them
            training.forEach(Module::train);
        }
    }

    // ------------------------------------------------------------------ names

    static String cellName(RecurrentCell<?> cell) {
        if (cell instanceof SimpleRnnCell s) return "rnn_" + s.activationName();
        if (cell instanceof LstmCell l) return l.hasPeephole() ? "lstm_peephole" : "lstm";
        if (cell instanceof GruCell g) return g.variant() == GruVariant.RESET_AFTER ? "gru" : "gru_reset_before";
        if (cell instanceof MinimalGruCell) return "minimal_gru";
        if (cell instanceof MinGruCell) return "min_gru";
        if (cell instanceof MinLstmCell) return "min_lstm";
        if (cell instanceof SLstmCell) return "slstm";
        if (cell instanceof MLstmCell) return "mlstm";
        if (cell instanceof TttLinearCell) return "ttt_linear";
        return cell.getClass().getSimpleName();
    }

    private static String[] blockNames(RecurrentCell<?> cell, int blocks) {
        if (cell instanceof LstmCell && blocks == 4) return new String[] {"i", "f", "g", "o"};
        if (cell instanceof GruCell && blocks == 3) return new String[] {"r", "z", "n"};
        if (cell instanceof MinimalGruCell && blocks == 2) return new String[] {"u", "c"};
        if (cell instanceof SLstmCell && blocks == 4) return new String[] {"i", "f", "z", "o"};
        if (blocks == 1) return new String[] {"h"};
        String[] n = new String[blocks];
        for (int g = 0; g < blocks; g++) n[g] = Integer.toString(g);
        return n;
    }

    /** The block through which h_{t−1} enters the new content: the whole matrix, or the candidate g / n / c. */
    private static String headlineBlock(RecurrentCell<?> cell, String[] names) {
        if (names.length == 1) return names[0];
        if (cell instanceof LstmCell) return "g";
        if (cell instanceof GruCell) return "n";
        if (cell instanceof MinimalGruCell) return "c";
        if (cell instanceof SLstmCell) return "z";
        return null;
    }

    // ------------------------------------------------------------------ gate saturation

    /** Recomputes a built-in cell's gate activations from x_t and the previous state, and counts them. */
    private static final class Gates {
        private final RecurrentCell<?> cell;
        private final List<GateStats.Counter> counters = new ArrayList<>();

        private Gates(RecurrentCell<?> cell) {
            this.cell = cell;
        }

        static Gates of(RecurrentCell<?> cell, DiagnosticsConfig c) {
            Gates g = new Gates(cell);
            if (cell instanceof SimpleRnnCell s) {
                String a = s.activationName();
                if (a.equals("tanh") || a.equals("relu") || a.equals("sigmoid")) {
                    g.counters.add(new GateStats.Counter("h", a, c));
                }
            } else if (cell instanceof LstmCell) {
                g.add(c, "i", "sigmoid").add(c, "f", "sigmoid").add(c, "g", "tanh").add(c, "o", "sigmoid")
                        .add(c, "tanh(c)", "tanh");
            } else if (cell instanceof GruCell) {
                g.add(c, "r", "sigmoid").add(c, "z", "sigmoid").add(c, "n", "tanh");
            } else if (cell instanceof MinGruCell) {
                g.add(c, "z", "sigmoid");                              // h̃ = g(v) is unbounded above: nothing saturates
            } else if (cell instanceof MinLstmCell) {
                g.add(c, "f", "sigmoid").add(c, "i", "sigmoid").add(c, "f'", "sigmoid");   // f' = f/(f+i) = σ(−log(i/f))
            } else if (cell instanceof MinimalGruCell) {
                g.add(c, "u", "sigmoid").add(c, "c", "tanh");
            } else if (cell instanceof SLstmCell) {
                g.add(c, "f", "sigmoid").add(c, "z", "tanh").add(c, "o", "sigmoid");   // i = exp(ĩ) has no bounds to reach
            } else if (cell instanceof MLstmCell) {
                g.add(c, "f", "sigmoid").add(c, "o", "sigmoid");                       // f: one per head
            } else if (cell instanceof TttLinearCell) {
                g.add(c, "eta", "sigmoid");                            // the inner learning rate's gate, per head
            }
            return g;
        }

        private Gates add(DiagnosticsConfig c, String gate, String activation) {
            counters.add(new GateStats.Counter(gate, activation, c));
            return this;
        }

        List<GateStats> stats() {
            List<GateStats> out = new ArrayList<>();
            for (GateStats.Counter k : counters) out.add(k.stats());
            return out;
        }

        void observe(Tensor xt, RnnState prev, RnnState next, boolean[] valid) {
            if (counters.isEmpty()) {
                return;
            }
            int batch = xt.dim(0), h = cell.hiddenSize();
            if (cell instanceof SimpleRnnCell) {
                counters.get(0).add(next.h().data().toDoubleArray(), batch, h, valid);   // h_t is the activation
                return;
            }
            if (cell instanceof TttLinearCell tc) {                                // σ(θ_lr x + b_lr), one per head
                TttLinearCell.Extras e = tc.extras();
                count(0, affine(xt.data(), e.lrWeight().data(), e.lrBias()).sigmoid(), batch, tc.heads(), valid);
                return;
            }
            StandardCell<?> sc = (StandardCell<?>) cell;
            NdArray x = xt.data(), hp = prev.h().data();
            NdArray zx = affine(x, sc.weightIh().data(), sc.biasIh());             // [B, G·H]
            if (cell instanceof MinGruCell) {                                      // gates from x alone
                count(0, zx.chunk(2, 1)[0].sigmoid(), batch, h, valid);
                return;
            }
            if (cell instanceof MLstmCell mc) {                                     // gates from x alone
                NdArray f = affine(x, mc.weightGate().data(), mc.biasGate()).chunk(2, 1)[1].sigmoid();   // [B, heads]
                counters.get(0).add(f.toDoubleArray(), batch, mc.heads(), valid);
                count(1, zx.chunk(4, 1)[3].sigmoid(), batch, h, valid);
                return;
            }
            if (cell instanceof SLstmCell) {
                NdArray[] z = zx.add(affine(hp, sc.weightHh().data(), sc.biasHh())).chunk(4, 1);   // i, f, z, o
                count(0, z[1].sigmoid(), batch, h, valid);
                count(1, z[2].tanh(), batch, h, valid);
                count(2, z[3].sigmoid(), batch, h, valid);
                return;
            }
            if (cell instanceof MinLstmCell) {
                NdArray[] z = zx.chunk(3, 1);
                NdArray f = z[0].sigmoid(), i = z[1].sigmoid();
                count(0, f, batch, h, valid);
                count(1, i, batch, h, valid);
                count(2, f.div(f.add(i)), batch, h, valid);
                return;
            }
            if (cell instanceof LstmCell lc) {
                NdArray[] z = zx.add(affine(hp, sc.weightHh().data(), sc.biasHh())).chunk(4, 1);   // i, f, g, o
                NdArray cPrev = ((LstmState) prev).c().data(), cNext = ((LstmState) next).c().data();
                if (lc.hasPeephole()) {                                            // as LstmCell.step
                    NdArray p = lc.weightPeephole().data();
                    z[0] = z[0].add(p.select(0, 0).mul(cPrev));
                    z[1] = z[1].add(p.select(0, 1).mul(cPrev));
                    z[3] = z[3].add(p.select(0, 2).mul(cNext));
                }
                count(0, z[0].sigmoid(), batch, h, valid);
                count(1, z[1].sigmoid(), batch, h, valid);
                count(2, z[2].tanh(), batch, h, valid);
                count(3, z[3].sigmoid(), batch, h, valid);
                count(4, cNext.tanh(), batch, h, valid);
            } else if (cell instanceof GruCell gc) {
                NdArray[] xg = zx.chunk(3, 1);
                NdArray whh = sc.weightHh().data();
                NdArray bhh = sc.biasHh() == null ? null : sc.biasHh().data();
                NdArray[] hg = affine(hp, whh, sc.biasHh()).chunk(3, 1);           // W_h· h + b_h· for r, z, n
                NdArray r = xg[0].add(hg[0]).sigmoid(), z = xg[1].add(hg[1]).sigmoid();
                NdArray n;
                if (gc.variant() == GruVariant.RESET_AFTER) {
                    n = xg[2].add(r.mul(hg[2])).tanh();
                } else {                                                           // W_hn (r ⊙ h) + b_hn
                    NdArray hn = r.mul(hp).matmul(whh.slice(0, 2 * h, 3 * h), false, true);
                    if (bhh != null) hn = hn.add(bhh.slice(0, 2 * h, 3 * h));
                    n = xg[2].add(hn).tanh();
                }
                count(0, r, batch, h, valid);
                count(1, z, batch, h, valid);
                count(2, n, batch, h, valid);
            } else if (cell instanceof MinimalGruCell) {
                NdArray[] z = zx.add(affine(hp, sc.weightHh().data(), sc.biasHh())).chunk(2, 1);
                count(0, z[0].sigmoid(), batch, h, valid);
                count(1, z[1].tanh(), batch, h, valid);
            }
        }

        private void count(int i, NdArray a, int batch, int h, boolean[] valid) {
            counters.get(i).add(a.toDoubleArray(), batch, h, valid);
        }

        /** {@code x Wᵀ + b}: {@code [B, in] -> [B, out]}. */
        private static NdArray affine(NdArray x, NdArray w, Parameter b) {
            NdArray y = x.matmul(w, false, true);
            return b == null ? y : y.add(b.data());
        }
    }
}
