package dev.jrnn.io;

import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.NdArray;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TorchNames}: names, parsing, PyTorch order and shapes, and one-message validation. */
class TorchNamesTest {
    @Test
    void buildsNames() {
        assertEquals("weight_ih_l0", TorchNames.weightIh(0, false));
        assertEquals("weight_hh_l3_reverse", TorchNames.weightHh(3, true));
        assertEquals("bias_ih_l1", TorchNames.biasIh(1, false));
        assertEquals("bias_hh_l0_reverse", TorchNames.biasHh(0, true));
        assertEquals("bias_hh_l12", TorchNames.name(TorchNames.Kind.BIAS_HH, 12, false));
        assertThrows(IllegalArgumentException.class, () -> TorchNames.weightIh(-1, false));
    }

    @Test
    void parsesNames() {
        assertEquals(Optional.of(new TorchNames.Name(TorchNames.Kind.WEIGHT_HH, 2, true)),
                TorchNames.parse("weight_hh_l2_reverse"));
        assertEquals(Optional.of(new TorchNames.Name(TorchNames.Kind.BIAS_IH, 10, false)), TorchNames.parse("bias_ih_l10"));
        assertEquals(Optional.of(new TorchNames.Name(TorchNames.Kind.WEIGHT_HR, 1, true)),
                TorchNames.parse("weight_hr_l1_reverse"));                  // an LSTM projection (proj_size)
        for (String bad : new String[] {"weight_ih_l01", "weight_ih_l0_rev", "rnn.weight_ih_l0", "weight_hr_l01",
                "weight_ih_l", "weight_ih_lx", "weight_ih_l0_reverse_", "", "weight_peephole_l0", "weight_ih_l99999999999"}) {
            assertEquals(Optional.empty(), TorchNames.parse(bad), bad);
        }
        assertEquals(Optional.empty(), TorchNames.parse(null));
        for (String n : TorchNames.recurrentNames(3, true, true)) {
            assertEquals(n, TorchNames.parse(n).orElseThrow().toString());
        }
    }

    @Test
    void namesFollowPyTorchOrder() {
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
                "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
                "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"),
                TorchNames.recurrentNames(2, true, true));
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0"), TorchNames.recurrentNames(1, false, false));
    }

    @Test
    void shapesFollowPyTorch() {
        Map<String, int[]> s = TorchNames.recurrentShapes(TorchNames.GATES_LSTM, 5, 3, 2, true, true);
        assertArrayEquals(new int[] {12, 5}, s.get("weight_ih_l0"));
        assertArrayEquals(new int[] {12, 5}, s.get("weight_ih_l0_reverse"));
        assertArrayEquals(new int[] {12, 6}, s.get("weight_ih_l1"), "layers above take both directions");
        assertArrayEquals(new int[] {12, 3}, s.get("weight_hh_l1_reverse"));
        assertArrayEquals(new int[] {12}, s.get("bias_hh_l1"));
        Map<String, int[]> g = TorchNames.recurrentShapes(TorchNames.GATES_GRU, 5, 3, 2, false, false);
        assertArrayEquals(new int[] {9, 3}, g.get("weight_ih_l1"));
        assertEquals(4, g.size());
    }

    static Map<String, NdArray> zeros(Map<String, int[]> shapes) {
        Map<String, NdArray> out = new LinkedHashMap<>();
        shapes.forEach((n, s) -> out.put(n, NdArray.zeros(s)));
        return out;
    }

    @Test
    void checkListsEveryProblemInOneMessage() {
        Map<String, int[]> expected = TorchNames.recurrentShapes(TorchNames.GATES_GRU, 4, 2, 1, false, true);
        Map<String, NdArray> state = zeros(expected);
        TorchNames.check("ok", expected, state);
        assertEquals(List.of(), TorchNames.problems(expected, state));

        state.remove("bias_hh_l0");
        state.put("weight_ih_l0", NdArray.zeros(6, 5));
        state.put("extra", NdArray.zeros(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchNames.check("gru.safetensors", expected, state));
        assertEquals("gru.safetensors: missing: [bias_hh_l0]; unexpected: [extra]; weight_ih_l0 has shape [6, 5],"
                + " expected [6, 4]", e.getMessage());
    }

    @Test
    void checkHintsAtAPrefix() {
        Map<String, int[]> expected = TorchNames.recurrentShapes(TorchNames.GATES_RNN, 2, 2, 1, false, false);
        Map<String, NdArray> prefixed = TorchNames.addPrefix(zeros(expected), "rnn.");
        assertEquals(List.of("rnn.weight_ih_l0", "rnn.weight_hh_l0"), List.copyOf(prefixed.keySet()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchNames.check("m", expected, prefixed));
        assertTrue(e.getMessage().contains("names look prefixed with 'rnn.'"), e.getMessage());
        Map<String, NdArray> mixed = new LinkedHashMap<>(prefixed);
        mixed.put("fc.weight", NdArray.zeros(1));
        TorchNames.check("m", expected, TorchNames.stripPrefix(mixed, "rnn."));
    }

    @Test
    void infersTheConfiguration() {
        Map<String, NdArray> state = zeros(TorchNames.recurrentShapes(TorchNames.GATES_LSTM, 5, 3, 2, true, true));
        assertEquals(new TorchNames.RecurrentSpec(4, 5, 3, 2, true, true), TorchNames.infer(state, TorchNames.GATES_LSTM));
        Map<String, NdArray> plain = zeros(TorchNames.recurrentShapes(TorchNames.GATES_GRU, 1, 7, 3, false, false));
        assertEquals(new TorchNames.RecurrentSpec(3, 1, 7, 3, false, false), TorchNames.infer(plain, TorchNames.GATES_GRU));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchNames.infer(state, TorchNames.GATES_GRU));
        assertEquals("TorchNames.infer: weight_hh_l0 has shape [12, 3], expected [3*H, H] for a cell with 3 gate"
                + " block(s) (GRU); is this the right cell type?", e.getMessage());

        state.remove("bias_ih_l1_reverse");
        e = assertThrows(IllegalArgumentException.class, () -> TorchNames.infer(state, TorchNames.GATES_LSTM));
        assertTrue(e.getMessage().contains("missing: [bias_ih_l1_reverse]"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> TorchNames.infer(Map.of(), TorchNames.GATES_LSTM));
        assertTrue(e.getMessage().contains("need 2-D weight_ih_l0 and weight_hh_l0"), e.getMessage());
    }

    /** A module holding one LSTM layer's parameters, as a stand-in for jrnn's layers. */
    static final class TinyLstm extends Module {
        TinyLstm() {
            TorchNames.recurrentShapes(TorchNames.GATES_LSTM, 2, 3, 1, false, true)
                    .forEach((n, s) -> registerParameter(n, new Parameter(NdArray.zeros(s))));
        }
    }

    @Test
    void agreesWithModuleStateDicts() {
        TinyLstm m = new TinyLstm();
        Map<String, int[]> shapes = TorchNames.shapesOf(m);
        assertEquals(TorchNames.recurrentNames(1, false, true), List.copyOf(shapes.keySet()));
        Map<String, NdArray> state = zeros(shapes);
        TorchNames.check("tiny", shapes, state);
        m.loadStateDict(state);
    }
}
