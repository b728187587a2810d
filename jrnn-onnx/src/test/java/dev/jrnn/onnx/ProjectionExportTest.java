package dev.jrnn.onnx;

import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.nn.rnn.MinGru;
import dev.jrnn.nn.rnn.MinLstm;
import dev.jrnn.nn.rnn.MLstm;
import dev.jrnn.nn.rnn.SLstm;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.TttLinear;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the standard ONNX recurrent operators cannot express is refused by name: a projected LSTM, and the scan layers
 * (minGRU, minLSTM); a plain LSTM passes.
 */
class ProjectionExportTest {
    @Test
    void projectedLstmIsRefusedWithTheReason() {
        RnnBase projected = Lstm.builder(3, 4).projSize(2).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.checkExportable(projected));
        assertTrue(e.getMessage().contains("Lstm(") && e.getMessage().contains("proj_size=2")
                && e.getMessage().contains("[2, 4]") && e.getMessage().contains("no projection"), e.getMessage());
        assertDoesNotThrow(() -> OnnxExport.checkExportable(Lstm.builder(3, 4).numLayers(2).bidirectional(true).build()));
    }

    @Test
    void scanLayersAreRefusedWithTheReason() {
        for (RnnBase scan : new RnnBase[] {MinGru.builder(3, 4).build(), MinLstm.builder(3, 4).build()}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.checkExportable(scan));
            assertTrue(e.getMessage().startsWith("ONNX export: Min") && e.getMessage().contains("scan layer")
                    && e.getMessage().contains("no weight_hh"), e.getMessage());
        }
    }

    @Test
    void xLstmLayersAreRefusedByName() {
        for (RnnBase x : new RnnBase[] {SLstm.builder(3, 4).build(), MLstm.builder(3, 4).build()}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.checkExportable(x));
            assertTrue(e.getMessage().startsWith("ONNX export: " + x.getClass().getSimpleName() + "(")
                    && e.getMessage().contains("is an xLSTM layer (" + x.config().mode() + ": exponential gates"), e.getMessage());
        }
    }

    @Test
    void tttLinearIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.checkExportable(TttLinear.builder(3, 4).build()));
        assertTrue(e.getMessage().startsWith("ONNX export: TttLinear") && e.getMessage().contains("TTT-Linear")
                && e.getMessage().contains("safetensors"), e.getMessage());
    }
}
