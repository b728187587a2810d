package dev.jrnn.nn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.Safetensors;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.Shapes;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AdditiveAttention} and {@link MultiplicativeAttention} against {@code golden/attention/attention.safetensors},
 * written by {@code tools/golden/make_golden.py --attention}: a numpy float64 implementation that scores one
 * (query, source position) pair at a time from the papers' formulas, softmaxes over the valid positions only and
 * averages the encoder outputs; gradients of {@code Σ context·gctx + Σ weights·galpha} by central differences. The
 * fixture's encoder outputs hold values past each length too, so reading padding would show.
 */
class AttentionGoldenTest {
    private static final double FORWARD_TOL = 1e-12;
    private static final double GRAD_TOL = 1e-8;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "bahdanau_lengths, bahdanau, 4, 3, 5",
        "bahdanau_one_step_full, bahdanau, 3, 4, 2",
        "luong_dot_lengths, luong_dot, 4, 4, 0",
        "luong_general_lengths, luong_general, 4, 3, 0",
    })
    void reproducesTheFixture(String name, String kind, int hq, int hk, int a) throws IOException, URISyntaxException {
        URL url = AttentionGoldenTest.class.getResource("/golden/attention/attention.safetensors");
        Assumptions.assumeTrue(url != null, "no attention fixture on the test classpath");
        Map<String, NdArray> t = Safetensors.readWithMetadata(Path.of(url.toURI())).tensors();
        Rng rng = new Rng(0);
        Attention att = switch (kind) {
            case "bahdanau" -> new AdditiveAttention(hq, hk, a, DType.FLOAT64, rng);
            case "luong_dot" -> new MultiplicativeAttention(hq, hk, false, DType.FLOAT64, rng);
            default -> new MultiplicativeAttention(hq, hk, true, DType.FLOAT64, rng);
        };
        assertEquals(kind.equals("luong_dot") ? 0 : kind.equals("bahdanau") ? 3 : 1, att.namedParameters().size(),
                name + ": parameters " + att.namedParameters().keySet());
        att.namedParameters().forEach((n, p) -> {
            NdArray v = t.get(name + "." + n);
            assertNotNull(v, "the fixture has no " + name + "." + n);
            p.data().copyFrom(v);
        });
        double[] lens = t.get(name + ".lengths").toDoubleArray();
        int[] lengths = new int[lens.length];
        for (int b = 0; b < lens.length; b++) lengths[b] = (int) lens[b];
        Tensor q = Tensor.variable(t.get(name + ".q"));
        Tensor h = Tensor.variable(t.get(name + ".h"));

        Attention.Result r = att.attend(q, att.memory(h, lengths));
        assertClose(t.get(name + ".context"), r.context().data(), FORWARD_TOL, name + " context");
        assertClose(t.get(name + ".weights"), r.weights().data(), FORWARD_TOL, name + " weights");

        r.context().mul(Tensor.constant(t.get(name + ".gctx"))).sum()
                .add(r.weights().mul(Tensor.constant(t.get(name + ".galpha"))).sum()).backward();
        att.namedParameters().forEach((n, p) -> assertClose(t.get(name + ".grad." + n), p.grad(), GRAD_TOL, name + " d" + n));
        assertClose(t.get(name + ".grad.q"), q.grad(), GRAD_TOL, name + " dq");
        assertClose(t.get(name + ".grad.h"), h.grad(), GRAD_TOL, name + " dh");
    }

    private static void assertClose(NdArray expected, NdArray actual, double tol, String what) {
        assertNotNull(expected, what + ": not in the fixture");
        assertNotNull(actual, what + ": is null");
        assertTrue(expected.hasShape(actual.shape()), what + ": shape " + Shapes.str(actual.shape()) + ", expected "
                + Shapes.str(expected.shape()));
        double d = expected.maxAbsDiff(actual);
        assertTrue(d <= tol, what + ": max abs difference " + d + " > " + tol);
    }
}
