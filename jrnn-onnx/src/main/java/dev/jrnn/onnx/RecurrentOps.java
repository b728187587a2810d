package dev.jrnn.onnx;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.rnn.Gru;
import dev.jrnn.nn.rnn.HiddenState;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.nn.rnn.LstmCell;
import dev.jrnn.nn.rnn.LstmState;
import dev.jrnn.nn.rnn.Recurrent;
import dev.jrnn.nn.rnn.RecurrentResult;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.RnnConfig;
import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.nn.rnn.RnnOutput;
import dev.jrnn.nn.rnn.RnnState;
import dev.jrnn.nn.rnn.Sequences;
import dev.jrnn.nn.rnn.SimpleRnn;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * ONNX {@code LSTM}, {@code GRU} and {@code RNN} nodes run by jrnn's layers.
 *
 * <p>A forward or bidirectional node becomes one stock layer ({@link Lstm}, {@link Gru}, {@link SimpleRnn}) with
 * PyTorch-layout weights; a {@code reverse} node is a forward layer over each sequence reversed within its length;
 * an LSTM with peepholes {@code P} runs {@link LstmCell}s with peepholes. Gate blocks are reordered on the way in:
 *
 * <pre>
 *   LSTM  ONNX i, o, f, c  ->  jrnn i, f, g, o   (ONNX blocks 0, 2, 3, 1)    peepholes ONNX i, o, f -> jrnn i, f, o
 *   GRU   ONNX z, r, h     ->  jrnn r, z, n      (ONNX blocks 1, 0, 2)       linear_before_reset 1 = RESET_AFTER, 0 = RESET_BEFORE
 *   B = [W_b; R_b] (2·G·H)  ->  bias_ih = W_b, bias_hh = R_b
 * </pre>
 *
 * What jrnn cannot compute is refused with the node and the attribute: {@code clip}, {@code input_forget=1},
 * activations other than the defaults (and {@code Relu} for RNN), a {@code sequence_lens} entry outside
 * {@code 1..seq_length}.
 */
final class RecurrentOps {
    static final Set<String> SUPPORTED = Set.of("LSTM", "GRU", "RNN");

    private static final int[] LSTM_BLOCKS = {0, 2, 3, 1}, GRU_BLOCKS = {1, 0, 2}, RNN_BLOCKS = {0}, PEEPHOLE_BLOCKS = {0, 2, 1};

    private RecurrentOps() {}

    /**
     * Runs a recurrent node.
     *
     * @param built receives the jrnn module(s) that ran it, under the node's name ({@code name/reverse} for a reverse
     *              direction run by a separate layer)
     */
    static OnnxValue[] run(Node n, Map<String, Module> built) throws OnnxException {
        String op = n.op();
        boolean lstm = op.equals("LSTM"), gru = op.equals("GRU");
        int g = lstm ? 4 : gru ? 3 : 1;
        OnnxValue xv = n.floatInput(0, "X"), wv = n.floatInput(1, "W"), rv = n.floatInput(2, "R");
        OnnxValue bv = n.optional(3), lensv = n.optional(4), h0v = n.optional(5);
        OnnxValue c0v = lstm ? n.optional(6) : null, pv = lstm ? n.optional(7) : null;
        if (n.in.length > (lstm ? 8 : 6)) throw n.fail("has " + n.in.length + " inputs, at most " + (lstm ? 8 : 6) + " are defined");

        String direction = n.s("direction", "forward");
        int dirs;
        switch (direction) {
            case "forward": case "reverse": dirs = 1; break;
            case "bidirectional": dirs = 2; break;
            default: throw n.fail("direction must be forward, reverse or bidirectional, found '" + direction + "'");
        }
        long layout = n.i("layout", 0);
        if (layout != 0 && layout != 1) throw n.fail("layout must be 0 or 1, found " + layout);
        if (n.has("clip")) {
            throw n.fail("attribute clip=" + n.f("clip", 0) + " is not supported (jrnn's cells do not clip their inputs to the activations)");
        }
        if (lstm && n.i("input_forget", 0) != 0) {
            throw n.fail("input_forget=1 (coupled input and forget gates) is not supported; jrnn's LSTM has separate gates");
        }
        CellType mode = cellType(n, lstm, gru, dirs);

        // Shapes. X is [T, B, I] (layout 0) or [B, T, I] (layout 1).
        int[] xs = xv.shapeRef();
        if (xs.length != 3) throw n.fail("X must be [seq_length, batch_size, input_size] (layout " + layout + "), found " + xv);
        int time = layout == 0 ? xs[0] : xs[1], batch = layout == 0 ? xs[1] : xs[0], in = xs[2];
        if (time < 1 || batch < 1) throw n.fail("X " + xv + " has an empty sequence or batch");
        int[] rs = rv.shapeRef();
        if (rs.length != 3 || rs[0] != dirs || rs[1] % g != 0 || rs[2] != rs[1] / g) {
            throw n.fail("R must be [num_directions=" + dirs + ", " + g + "·hidden_size, hidden_size], found " + rv);
        }
        int h = rs[2];
        long hidden = n.i("hidden_size", h);
        if (hidden != h) throw n.fail("hidden_size=" + hidden + " but R " + rv + " has hidden size " + h);
        expect(n, "W", wv, dirs, g * h, in);
        if (bv != null) expect(n, "B", bv, dirs, 2 * g * h);
        if (lstm && pv != null) expect(n, "P", pv, dirs, 3 * h);
        if (h0v != null) {
            if (layout == 0) expect(n, "initial_h", h0v, dirs, batch, h);
            else expect(n, "initial_h", h0v, batch, dirs, h);
        }
        if (c0v != null) {
            if (layout == 0) expect(n, "initial_c", c0v, dirs, batch, h);
            else expect(n, "initial_c", c0v, batch, dirs, h);
        }
        DType dtype = xv.array().dtype();
        for (OnnxValue v : new OnnxValue[] {wv, rv, bv, h0v, c0v, pv}) {
            if (v != null && (!v.isFloat() || v.array().dtype() != dtype)) {
                throw n.fail("X is " + xv + " but another operand is " + v + " (all must have X's type)");
            }
        }
        int[] lengths = lengths(n, lensv, batch, time);

        try (Autograd.Scope ignored = Autograd.noGrad()) {
            Tensor x = Tensor.constant(layout == 0 ? xv.array().permute(1, 0, 2) : xv.array());   // [B, T, I]
            NdArray h0 = h0v == null ? null : layout == 0 ? h0v.array() : h0v.array().permute(1, 0, 2);   // [D, B, H]
            NdArray c0 = c0v == null ? null : layout == 0 ? c0v.array() : c0v.array().permute(1, 0, 2);
            int[] blocks = lstm ? LSTM_BLOCKS : gru ? GRU_BLOCKS : RNN_BLOCKS;
            NdArray[] y = new NdArray[dirs], hn = new NdArray[dirs], cn = new NdArray[dirs];
            String name = n.proto.getName().isEmpty() ? n.proto.getOutput(0) : n.proto.getName();
            if (pv != null) {
                for (int d = 0; d < dirs; d++) {
                    boolean reverse = direction.equals("reverse") || d == 1;
                    Map<String, NdArray> p = weights(wv, rv, bv, d, blocks, h, dtype, "");
                    NdArray peep = reorder(pv.array().select(0, d), PEEPHOLE_BLOCKS, h).reshape(3, h);
                    LstmCell cell = LstmCell.over(new Parameter(p.get("weight_ih_l0")), new Parameter(p.get("weight_hh_l0")),
                            new Parameter(p.get("bias_ih_l0")), new Parameter(p.get("bias_hh_l0")), new Parameter(peep));
                    built.put(name + (reverse ? "/reverse" : ""), cell);
                    LstmState s0 = new LstmState(state(h0, d, batch, h, dtype), state(c0, d, batch, h, dtype));
                    Tensor xd = reverse ? Sequences.reverse(x, lengths) : x;
                    RecurrentResult<LstmState> r = Recurrent.of(cell).returnSequences(true).forward(xd, lengths, s0);
                    y[d] = (reverse ? Sequences.reverse(r.output(), lengths) : r.output()).data();
                    hn[d] = r.state().h().data();
                    cn[d] = r.state().c().data();
                }
            } else if (direction.equals("reverse")) {
                RnnBase layer = layer(mode, in, h, false, dtype);
                layer.loadStateDict(weights(wv, rv, bv, 0, blocks, h, dtype, ""));
                built.put(name + "/reverse", layer);
                RnnOutput o = layer.forwardFrom(Sequences.reverse(x, lengths), initial(h0, c0, lstm), lengths);
                y[0] = Sequences.reverse(o.output(), lengths).data();
                hn[0] = o.hN().data().select(0, 0);
                cn[0] = lstm ? o.cN().data().select(0, 0) : null;
            } else {
                RnnBase layer = layer(mode, in, h, dirs == 2, dtype);
                Map<String, NdArray> p = new LinkedHashMap<>(weights(wv, rv, bv, 0, blocks, h, dtype, ""));
                if (dirs == 2) p.putAll(weights(wv, rv, bv, 1, blocks, h, dtype, "_reverse"));
                layer.loadStateDict(p);
                built.put(name, layer);
                RnnOutput o = layer.forwardFrom(x, initial(h0, c0, lstm), lengths);
                for (int d = 0; d < dirs; d++) {
                    y[d] = o.output().data().slice(2, d * h, (d + 1) * h);     // [B, T, H]
                    hn[d] = o.hN().data().select(0, d);                       // [B, H]
                    cn[d] = lstm ? o.cN().data().select(0, d) : null;
                }
            }
            NdArray ys = NdArray.stack(0, y);                                  // [D, B, T, H]
            NdArray yh = NdArray.stack(0, hn);                                 // [D, B, H]
            OnnxValue outY = OnnxValue.of(layout == 0 ? ys.permute(2, 0, 1, 3) : ys.permute(1, 2, 0, 3));
            OnnxValue outH = OnnxValue.of(layout == 0 ? yh : yh.permute(1, 0, 2));
            if (!lstm) return new OnnxValue[] {outY, outH};
            NdArray yc = NdArray.stack(0, cn);
            return new OnnxValue[] {outY, outH, OnnxValue.of(layout == 0 ? yc : yc.permute(1, 0, 2))};
        } catch (IllegalArgumentException e) {   // a check inside jrnn's layers that the node's own checks missed
            throw n.fail(e.getMessage());
        }
    }

    private static CellType cellType(Node n, boolean lstm, boolean gru, int dirs) throws OnnxException {
        List<String> acts = n.strings("activations");
        String[] dflt = lstm ? new String[] {"sigmoid", "tanh", "tanh"} : gru ? new String[] {"sigmoid", "tanh"} : new String[] {"tanh"};
        if (acts != null) {
            if (acts.size() != dflt.length * dirs) {
                throw n.fail("activations " + acts + " must list " + dflt.length + " functions per direction (" + dirs + " directions)");
            }
            for (int k = 0; k < acts.size(); k++) {
                String a = acts.get(k).toLowerCase(Locale.ROOT);
                String want = dflt[k % dflt.length];
                boolean relu = !lstm && !gru && a.equals("relu") && acts.get(0).equalsIgnoreCase(acts.get(k));
                if (!a.equals(want) && !relu) {
                    throw n.fail("activations " + acts + " are not supported (jrnn computes " + Arrays.toString(dflt)
                            + (lstm || gru ? "" : " or [Relu]") + " per direction, the same in both directions)");
                }
            }
        }
        if (lstm) return CellType.LSTM;
        if (gru) {
            long lbr = n.i("linear_before_reset", 0);
            if (lbr != 0 && lbr != 1) throw n.fail("linear_before_reset must be 0 or 1, found " + lbr);
            return lbr == 1 ? CellType.GRU : CellType.GRU_RESET_BEFORE;
        }
        return acts != null && acts.get(0).equalsIgnoreCase("relu") ? CellType.RNN_RELU : CellType.RNN_TANH;
    }

    private static void expect(Node n, String name, OnnxValue v, int... shape) throws OnnxException {
        if (!Arrays.equals(v.shapeRef(), shape)) {
            throw n.fail(name + " has shape " + Arrays.toString(v.shapeRef()) + ", expected " + Arrays.toString(shape));
        }
    }

    /** {@code sequence_lens} as jrnn lengths (null when every sequence is full). */
    private static int[] lengths(Node n, OnnxValue v, int batch, int time) throws OnnxException {
        if (v == null) return null;
        if (v.isFloat() || v.rank() != 1 || v.size() != batch) {
            throw n.fail("sequence_lens must be an int32 vector of batch_size=" + batch + " lengths, found " + v);
        }
        int[] out = new int[batch];
        boolean full = true;
        for (int b = 0; b < batch; b++) {
            long l = v.longs()[b];
            if (l < 1 || l > time) {
                throw n.fail("sequence_lens[" + b + "] = " + l + " is outside 1.." + time + " (jrnn runs every sequence for at least one step)");
            }
            out[b] = (int) l;
            full &= l == time;
        }
        return full ? null : out;
    }

    private static RnnBase layer(CellType mode, int in, int h, boolean bidirectional, DType dtype) {
        RnnConfig c = new RnnConfig(mode, in, h, 1, true, true, 0, bidirectional);
        Rng rng = new Rng(0);   // the values are replaced at once by the node's weights
        switch (mode) {
            case LSTM: return (RnnBase) new Lstm(c, dtype, rng).eval();
            case GRU: case GRU_RESET_BEFORE: return (RnnBase) new Gru(c, dtype, rng).eval();
            default: return (RnnBase) new SimpleRnn(c, dtype, rng).eval();
        }
    }

    /** Direction {@code d}'s weights in PyTorch's layout and names ({@code weight_ih_l0}{@code suffix}, ...). */
    private static Map<String, NdArray> weights(OnnxValue w, OnnxValue r, OnnxValue b, int d, int[] blocks, int h,
                                                DType dtype, String suffix) {
        int g = blocks.length;
        Map<String, NdArray> p = new LinkedHashMap<>();
        p.put("weight_ih_l0" + suffix, reorder(w.array().select(0, d), blocks, h).copy());
        p.put("weight_hh_l0" + suffix, reorder(r.array().select(0, d), blocks, h).copy());
        NdArray bias = b == null ? NdArray.zeros(dtype, 2 * g * h) : b.array().select(0, d);
        p.put("bias_ih_l0" + suffix, reorder(bias.slice(0, 0, g * h), blocks, h).copy());
        p.put("bias_hh_l0" + suffix, reorder(bias.slice(0, g * h, 2 * g * h), blocks, h).copy());
        return p;
    }

    /** The row blocks of {@code m} ({@code [G·H, ...]}) in the order {@code blocks} (block j of the result = block blocks[j]). */
    static NdArray reorder(NdArray m, int[] blocks, int h) {
        NdArray[] parts = new NdArray[blocks.length];
        for (int j = 0; j < blocks.length; j++) parts[j] = m.slice(0, blocks[j] * h, (blocks[j] + 1) * h);
        return NdArray.concat(0, parts);
    }

    private static Tensor state(NdArray s, int d, int batch, int h, DType dtype) {
        return Tensor.constant(s == null ? NdArray.zeros(dtype, batch, h) : s.select(0, d));
    }

    private static RnnState initial(NdArray h0, NdArray c0, boolean lstm) {
        if (h0 == null && c0 == null) return null;
        NdArray like = h0 != null ? h0 : c0;
        Tensor h = Tensor.constant(h0 != null ? h0 : like.zerosLike());
        if (!lstm) return new HiddenState(h);
        return new LstmState(h, Tensor.constant(c0 != null ? c0 : like.zerosLike()));
    }
}
