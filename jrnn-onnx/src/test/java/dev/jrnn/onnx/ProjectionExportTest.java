package dev.jrnn.onnx;

import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.nn.rnn.RnnBase;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The standard ONNX LSTM has no projection: a projected LSTM is refused by name, a plain one passes. */
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
}
