package dev.jrnn.keras;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.KerasImport;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.SimpleRnn;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Gradients of a stock jrnn layer built from Keras weights, mapped back to Keras layout, equal the gradients of the
 * Keras layer's own weights (computed through the Keras-exact cell, whose only bias is the Keras bias); the weight
 * converters applied to gradients would double the bias gradient, which is why the gradient mappers exist.
 */
class KerasGradientLayoutTest {
    private static final DType F64 = DType.FLOAT64;

    @ParameterizedTest
    @ValueSource(strings = {"LSTM", "SimpleRNN"})
    void gradientsMapBackToKerasLayoutWithoutDoublingTheBias(String cls) throws Exception {
        int in = 3, units = 4, gates = cls.equals("LSTM") ? 4 : 1;
        Rng rng = new Rng(9);
        NdArray kernel = NdArray.rand(rng, F64, -0.5, 0.5, in, gates * units);
        NdArray rk = NdArray.rand(rng, F64, -0.5, 0.5, units, gates * units);
        NdArray bias = NdArray.rand(rng, F64, -0.5, 0.5, gates * units);
        NdArray x = NdArray.rand(rng, F64, -1, 1, 2, 5, in);
        NdArray probe = NdArray.rand(rng, F64, -1, 1, 2, 5, units);

        String config = "{\"class_name\": \"Sequential\", \"config\": [{\"class_name\": \"" + cls + "\", \"config\": {\"name\":"
                + " \"r\", \"units\": " + units + ", \"recurrent_activation\": \"sigmoid\", \"return_sequences\": true}}]}";
        KerasModel keras = KerasModel.from(KerasFile.of("mem", config, "2.2.4", Map.of("r", List.of(kernel, rk, bias))), F64);
        keras.forward(Tensor.constant(x)).get(0).mul(Tensor.constant(probe)).sum().backward();
        Map<String, Parameter> kp = keras.namedParameters();

        KerasImport.TorchWeights tw = cls.equals("LSTM") ? KerasImport.lstm(kernel, rk, bias) : KerasImport.simpleRnn(kernel, rk, bias);
        RnnBase stock = cls.equals("LSTM") ? Lstm.builder(in, units).dtype(F64).build() : SimpleRnn.builder(in, units).dtype(F64).build();
        stock.loadStateDict(tw.toStateDict(0, false));
        stock.forwardFrom(Tensor.constant(x), null, null).output().mul(Tensor.constant(probe)).sum().backward();
        KerasImport.TorchWeights grads = new KerasImport.TorchWeights(stock.weightIh(0, false).grad(),
                stock.weightHh(0, false).grad(), stock.biasIh(0, false).grad(), stock.biasHh(0, false).grad());
        KerasImport.KerasWeights mapped = cls.equals("LSTM") ? KerasImport.gradientsToKerasLstm(grads)
                : KerasImport.gradientsToKerasSimpleRnn(grads);

        // The Keras-exact cell holds kernel^T, recurrent_kernel^T and the bias itself: its gradients are the truth.
        assertEquals(0, mapped.kernel().maxAbsDiff(kp.get("r.cell.weight_ih").grad().t()), 1e-12);
        assertEquals(0, mapped.recurrentKernel().maxAbsDiff(kp.get("r.cell.weight_hh").grad().t()), 1e-12);
        assertEquals(0, mapped.bias().maxAbsDiff(kp.get("r.cell.bias_ih").grad()), 1e-12);
        KerasImport.KerasWeights asWeights = cls.equals("LSTM") ? KerasImport.toKerasLstm(grads) : KerasImport.toKerasSimpleRnn(grads);
        assertEquals(0, asWeights.bias().maxAbsDiff(kp.get("r.cell.bias_ih").grad().mul(2)), 1e-12,
                "the weight converter sums bias_ih and bias_hh: for gradients that is twice the Keras bias gradient");
    }
}
