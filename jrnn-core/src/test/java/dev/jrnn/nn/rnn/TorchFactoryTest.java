package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RnnBase#torch}: PyTorch's constructor arguments and defaults, batch_first=false included. */
class TorchFactoryTest {
    @ParameterizedTest
    @ValueSource(strings = {"LSTM", "GRU", "RNN_TANH", "RNN_RELU"})
    void sequenceFirstByDefaultEvenWhenTimeEqualsBatch(String mode) {
        RnnBase torch = RnnBase.torch(mode, 4, 5).numLayers(2).bidirectional(true).dtype(DType.FLOAT64).rng(new Rng(3)).build();
        assertFalse(torch.config().batchFirst());
        assertEquals(mode, torch.config().mode().name());
        RnnBase batchFirst = RnnBase.torch(mode, 4, 5).numLayers(2).bidirectional(true).batchFirst(true)
                .dtype(DType.FLOAT64).rng(new Rng(3)).build();
        NdArray x = NdArray.rand(new Rng(8), DType.FLOAT64, -1, 1, 3, 3, 4);               // T == B == 3
        NdArray seqFirst = torch.forwardFrom(Tensor.constant(x), null, null).output().data();               // [T, B, 2H]
        NdArray viaBatch = batchFirst.forwardFrom(Tensor.constant(x.transpose(0, 1).copy()), null, null).output().data();
        assertEquals(0, seqFirst.maxAbsDiff(viaBatch.transpose(0, 1).copy()), 1e-12);
        assertTrue(seqFirst.maxAbsDiff(batchFirst.forwardFrom(Tensor.constant(x), null, null).output().data()) > 1e-3,
                "reading the same tensor batch-first must differ, or this test proves nothing");
    }

    @Test
    void modesAndProjSize() {
        assertInstanceOf(Lstm.class, RnnBase.torch("LSTM", 2, 3).projSize(0).build());
        assertEquals(2, RnnBase.torch("LSTM", 2, 3).projSize(2).build().config().projSize());
        IllegalArgumentException p = assertThrows(IllegalArgumentException.class,
                () -> RnnBase.torch("LSTM", 2, 3).projSize(3).build());
        assertTrue(p.getMessage().contains("proj_size must be 0 (none) or in 1..2"), p.getMessage());
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class, () -> RnnBase.torch("lstm", 2, 3));
        assertTrue(m.getMessage().contains("'lstm'") && m.getMessage().contains("RNN_TANH"), m.getMessage());
    }
}
