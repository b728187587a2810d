package dev.jrnn.nn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.jrnn.TestArrays.d;
import static dev.jrnn.TestArrays.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModuleTest {

    private static Sequential mlp(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Linear(3, 4, rng), new Activation(Activation.Kind.TANH), new Linear(4, 2, rng));
    }

    /** A module with its own parameter and a child, as user code writes it. */
    static final class Block extends Module {
        final Parameter scale;
        final Linear proj;

        Block(Rng rng) {
            scale = registerParameter("scale", new Parameter(NdArray.ones(DType.FLOAT32, 2)));
            proj = registerModule("proj", new Linear(2, 2, rng));
        }

        void registerAgain(String name) {
            registerParameter(name, new Parameter(NdArray.zeros(1)));
        }
    }

    @Test
    void namedParametersFollowPyTorchStateDictNames() {
        Sequential m = mlp(1);
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.copyOf(m.namedParameters().keySet()));
        assertEquals(List.copyOf(m.namedParameters().values()), m.parameters());
        assertSame(((Linear) m.layers().get(2)).bias(), m.namedParameters().get("2.bias"));

        Sequential nested = new Sequential(mlp(2), new Dropout(0.5, new Rng(1)), new Sequential(new Linear(2, 1, new Rng(3))));
        assertEquals(List.of("0.0.weight", "0.0.bias", "0.2.weight", "0.2.bias", "2.0.weight", "2.0.bias"),
                List.copyOf(nested.namedParameters().keySet()));
        Block b = new Block(new Rng(4));
        assertEquals(List.of("scale", "proj.weight", "proj.bias"), List.copyOf(b.namedParameters().keySet()));
        assertEquals(List.of("proj"), List.copyOf(b.children().keySet()));
    }

    @Test
    void parameterCountCountsEveryScalar() {
        assertEquals(3 * 4 + 4 + 4 * 2 + 2, mlp(1).parameterCount());
        assertEquals(2 + 2 * 2 + 2, new Block(new Rng(1)).parameterCount());
        assertEquals(0, new Activation(Activation.Kind.RELU).parameterCount());
        Linear l = new Linear(5, 3, false, DType.FLOAT64, new Rng(1));
        l.weight().freeze();
        assertEquals(15, l.parameterCount(), "frozen parameters count too");
    }

    /** Two modules holding the same parameter, as in tied input/output embeddings. */
    static final class Tied extends Module {
        Tied(Parameter shared) {
            registerParameter("encoder", shared);
            registerParameter("decoder", shared);
            registerParameter("own", new Parameter(NdArray.zeros(3)));
        }
    }

    @Test
    void sharedParametersAreListedAndCountedOnce() {
        Parameter shared = new Parameter(NdArray.zeros(4, 2));
        Tied m = new Tied(shared);
        assertEquals(List.of("encoder", "decoder", "own"), List.copyOf(m.namedParameters().keySet()),
                "state dict names keep both, as PyTorch's state_dict");
        assertEquals(2, m.parameters().size());
        assertSame(shared, m.parameters().get(0));
        assertEquals(8 + 3, m.parameterCount());
    }

    @Test
    void registrationRejectsBadAndDuplicateNames() {
        Block b = new Block(new Rng(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.registerAgain("scale"));
        assertEquals("Block: name 'scale' is already registered", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.registerAgain("proj"));
        e = assertThrows(IllegalArgumentException.class, () -> b.registerAgain("a.b"));
        assertTrue(e.getMessage().contains("invalid name 'a.b'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.registerAgain(""));
        assertThrows(IllegalArgumentException.class, () -> b.registerAgain(null));
    }

    @Test
    void loadStateDictRoundTrip() {
        Sequential a = mlp(1), b = mlp(2);
        Tensor x = Tensor.constant(NdArray.rand(new Rng(9), DType.FLOAT32, -1, 1, 5, 3));
        assertNotEquals(0.0, a.forward(x).data().maxAbsDiff(b.forward(x).data()));
        Map<String, NdArray> state = new LinkedHashMap<>();
        a.stateDict().forEach((k, v) -> state.put(k, v.copy()));
        b.loadStateDict(state);
        assertEquals(0.0, a.forward(x).data().maxAbsDiff(b.forward(x).data()));
        for (String k : state.keySet()) {
            assertEquals(0.0, b.stateDict().get(k).maxAbsDiff(a.stateDict().get(k)), k);
        }
        state.get("0.weight").fillInPlace(5);
        assertNotEquals(5.0, b.stateDict().get("0.weight").getFlat(0), "values are copied, not shared");
        // stateDict shares storage with the parameters
        a.stateDict().get("2.bias").setFlat(0, 42);
        assertEquals(42.0, ((Linear) a.layers().get(2)).bias().data().getFlat(0));
        // float64 values load into float32 parameters (converted)
        Map<String, NdArray> f64 = new HashMap<>();
        a.stateDict().forEach((k, v) -> f64.put(k, v.to(DType.FLOAT64)));
        b.loadStateDict(f64);
        assertEquals(DType.FLOAT32, b.stateDict().get("0.weight").dtype());
        assertEquals(0.0, a.forward(x).data().maxAbsDiff(b.forward(x).data()));
    }

    @Test
    void loadStateDictListsEveryProblemAndWritesNothing() {
        Sequential m = mlp(1);
        Map<String, NdArray> before = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> before.put(k, v.copy()));
        Map<String, NdArray> state = new LinkedHashMap<>();
        state.put("0.weight", NdArray.zeros(4, 3));          // right
        state.put("0.bias", NdArray.zeros(5));               // one too long
        state.put("2.weight", NdArray.zeros(2, 4));          // right
        state.put("3.bias", NdArray.zeros(2));               // unexpected; 2.bias missing
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state));
        assertEquals("Sequential.loadStateDict: missing: [2.bias]; unexpected: [3.bias]; 0.bias has shape [5], "
                + "expected [4]", e.getMessage());
        m.stateDict().forEach((k, v) -> assertEquals(0.0, v.maxAbsDiff(before.get(k)), k + " was written"));
    }

    @Test
    void loadStateDictTreatsANullValueAsMissing() {
        Sequential m = mlp(1);
        NdArray w0 = m.stateDict().get("0.weight").copy();
        Map<String, NdArray> state = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> state.put(k, NdArray.zeros(v.shape())));
        state.put("2.bias", null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state));
        assertTrue(e.getMessage().contains("missing: [2.bias]"), e.getMessage());
        assertEquals(0.0, m.stateDict().get("0.weight").maxAbsDiff(w0), "nothing written");
    }

    @Test
    void trainAndEvalPropagateToEveryDescendant() {
        Dropout drop = new Dropout(0.5, new Rng(1));
        Sequential inner = new Sequential(drop);
        Sequential outer = new Sequential(mlp(1), inner);
        assertTrue(outer.isTraining() && drop.isTraining());
        assertSame(outer, outer.eval());
        assertFalse(outer.isTraining());
        assertFalse(inner.isTraining());
        assertFalse(drop.isTraining());
        assertFalse(outer.layers().get(0).isTraining());
        outer.train(true);
        assertTrue(drop.isTraining());
        inner.eval();
        assertTrue(outer.isTraining());
        assertFalse(drop.isTraining(), "a child can be switched alone");
    }

    @Test
    void zeroGradClearsEveryParameter() {
        Sequential m = mlp(1);
        Tensor x = Tensor.constant(NdArray.ones(DType.FLOAT32, 2, 3));
        m.forward(x).sum().backward();
        for (Parameter p : m.parameters()) assertTrue(p.grad() != null);
        m.zeroGrad();
        for (Parameter p : m.parameters()) assertEquals(null, p.grad());
    }

    @Test
    void parameterFreezeAndUnfreeze() {
        Parameter p = new Parameter(d(s(2), 1, 2));
        assertFalse(p.isFrozen());
        assertTrue(p.requiresGrad());
        p.mul(3).sum().backward();
        assertSame(p, p.freeze());
        assertTrue(p.isFrozen());
        assertEquals(null, p.grad(), "freeze drops the gradient");
        assertFalse(p.mul(3).requiresGrad());
        p.unfreeze();
        p.mul(3).sum().backward();
        assertEquals(3.0, p.grad().getFlat(1));
    }

    @Test
    void toStringIsATree() {
        assertEquals("Sequential(\n  (0): Linear(in=3, out=4, bias=true)\n  (1): Tanh()\n  (2): Linear(in=4, out=2, bias=true)\n)",
                mlp(1).toString());
        assertEquals("Sequential(\n  (0): Sequential(\n    (0): Dropout(p=0.5)\n  )\n)",
                new Sequential(new Sequential(new Dropout(0.5, new Rng(1)))).toString());
    }

    @Test
    void sequentialAppliesLayersInOrder() {
        Sequential m = mlp(1);
        Tensor x = Tensor.constant(NdArray.rand(new Rng(5), DType.FLOAT32, -1, 1, 4, 3));
        Tensor manual = m.layers().get(2).forward(m.layers().get(0).forward(x).tanh());
        assertEquals(0.0, m.forward(x).data().maxAbsDiff(manual.data()));
        assertEquals(0.0, new Sequential().forward(x).data().maxAbsDiff(x.data()), "empty Sequential is the identity");
    }

    @Test
    void activationParsingAndValues() {
        assertEquals(Activation.Kind.LOG_SOFTMAX, Activation.parse("log_softmax"));
        assertEquals(Activation.Kind.LOG_SOFTMAX, Activation.parse("Log-Softmax"));
        assertEquals(Activation.Kind.TANH, Activation.parse(" tanh "));
        for (Activation.Kind k : Activation.Kind.values()) {
            assertEquals(k, Activation.parse(k.name().toLowerCase(java.util.Locale.ROOT)));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Activation.parse("swish"));
        assertEquals("unknown activation 'swish': expected one of tanh, sigmoid, relu, elu, softmax, log_softmax, linear",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Activation.parse(null));
        e = assertThrows(IllegalArgumentException.class, () -> new Activation(null));
        assertTrue(e.getMessage().startsWith("Activation: kind is null"), e.getMessage());

        Tensor x = Tensor.constant(d(s(1, 3), -1, 0.5, 2));
        double[] v = {-1, 0.5, 2};
        double z = Math.exp(-1) + Math.exp(0.5) + Math.exp(2);
        double[][] expected = {
            {Math.tanh(-1), Math.tanh(0.5), Math.tanh(2)},
            {1 / (1 + Math.E), 1 / (1 + Math.exp(-0.5)), 1 / (1 + Math.exp(-2))},
            {0, 0.5, 2},
            {Math.exp(-1) - 1, 0.5, 2},
            {Math.exp(-1) / z, Math.exp(0.5) / z, Math.exp(2) / z},
            {-1 - Math.log(z), 0.5 - Math.log(z), 2 - Math.log(z)},
            v,
        };
        Activation.Kind[] kinds = {Activation.Kind.TANH, Activation.Kind.SIGMOID, Activation.Kind.RELU,
            Activation.Kind.ELU, Activation.Kind.SOFTMAX, Activation.Kind.LOG_SOFTMAX, Activation.Kind.LINEAR};
        for (int i = 0; i < kinds.length; i++) {
            NdArray y = new Activation(kinds[i]).forward(x).data();
            for (int j = 0; j < 3; j++) assertEquals(expected[i][j], y.getFlat(j), 1e-14, kinds[i] + "[" + j + "]");
        }
    }
}
