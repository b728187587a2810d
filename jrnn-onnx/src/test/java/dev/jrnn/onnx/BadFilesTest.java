package dev.jrnn.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.text.TextClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Damaged and unsupported files: each gives one OnnxException, one line, naming the file and what is wrong. */
class BadFilesTest {
    @TempDir
    Path tmp;

    private static ModelProto classifier(CellType cell) {
        TextClassifier tc = new TextClassifier(TextClassifier.Config.of(9, 4, 5, 2).withCell(cell).withBidirectional(true));
        return OnnxExport.textClassifier(tc);
    }

    private static Map<String, OnnxValue> feeds() {
        return Map.of("input_ids", OnnxValue.ofLongs(new long[] {1, 2, 3, 4, 5, 0}, 2, 3),
                "lengths", OnnxValue.ofLongs(new long[] {3, 2}, 2));
    }

    private static String message(ModelProto m, String name) {
        OnnxException e = assertThrows(OnnxException.class, () -> OnnxGraph.parse(m.toByteArray(), name).run(feeds()));
        return oneLine(e.getMessage(), name);
    }

    private static String oneLine(String msg, String name) {
        assertTrue(msg.startsWith(name + ": "), msg);
        assertFalse(msg.contains("\n"), msg);
        return msg;
    }

    /** The LSTM node changed by {@code edit}. */
    private static ModelProto editRecurrent(ModelProto m, UnaryOperator<NodeProto.Builder> edit) {
        GraphProto.Builder g = m.getGraph().toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            String op = g.getNode(i).getOpType();
            if (op.equals("LSTM") || op.equals("GRU") || op.equals("RNN")) {
                g.setNode(i, edit.apply(g.getNode(i).toBuilder()));
                break;
            }
        }
        return m.toBuilder().setGraph(g).build();
    }

    @Test
    void truncatedFilesFailWithTheFileNameAtEveryCut() throws Exception {
        ModelProto model = classifier(CellType.LSTM);
        byte[] good = model.toByteArray();
        // The metadata (field 14) is written last and is not needed to run: a cut that removes only metadata entries
        // leaves a complete model (protobuf has no length or checksum for the whole message).
        int runnable = model.toBuilder().clearMetadataProps().build().getSerializedSize();
        Path f = tmp.resolve("model.onnx");
        int cuts = 0;
        for (int len = 0; len < good.length; len += 29) {
            Files.write(f, java.util.Arrays.copyOf(good, len));
            if (len >= runnable) {
                try {
                    OnnxGraph.load(f).run(feeds());
                } catch (OnnxException e) {
                    oneLine(e.getMessage(), f.toString());
                }
                continue;
            }
            OnnxException e = assertThrows(OnnxException.class, () -> OnnxGraph.load(f).run(feeds()), "cut at " + len);
            oneLine(e.getMessage(), f.toString());
            cuts++;
        }
        assertTrue(cuts > 20);
        Files.write(f, java.util.Arrays.copyOf(good, good.length / 2));
        String msg = assertThrows(OnnxException.class, () -> OnnxGraph.load(f)).getMessage();
        assertTrue(msg.contains("not a valid ONNX model") && msg.contains("truncated"), msg);
        Files.write(f, new byte[0]);
        assertEquals(f + ": has no graph (truncated, empty, or not an ONNX model)",
                assertThrows(OnnxException.class, () -> OnnxGraph.load(f)).getMessage());
    }

    /**
     * Random damage (bytes overwritten anywhere in the file): every damaged model either still loads and runs, or fails
     * with one OnnxException line naming the file; never another exception.
     */
    @Test
    void randomlyDamagedFilesNeverEscapeAsAnotherException() {
        byte[] good = classifier(CellType.GRU).toByteArray();
        Rng rng = new Rng(17);
        int failed = 0, ran = 0;
        for (int trial = 0; trial < 400; trial++) {
            byte[] bad = good.clone();
            int flips = 1 + rng.nextInt(4);
            for (int k = 0; k < flips; k++) bad[rng.nextInt(bad.length)] = (byte) rng.nextInt(256);
            String name = "damaged" + trial + ".onnx";
            try {
                OnnxGraph.parse(bad, name).run(feeds());
                ran++;
            } catch (OnnxException e) {
                oneLine(e.getMessage(), name);
                failed++;
            }
        }
        assertTrue(failed > 0 && ran > 0, failed + " failed, " + ran + " ran");
    }

    @Test
    void garbageAndMissingFiles() throws Exception {
        Path f = tmp.resolve("noise.onnx");
        byte[] noise = new byte[4096];
        Rng rng = new Rng(5);
        for (int i = 0; i < noise.length; i++) noise[i] = (byte) rng.nextInt(256);
        Files.write(f, noise);
        oneLine(assertThrows(OnnxException.class, () -> OnnxGraph.load(f)).getMessage(), f.toString());
        Path none = tmp.resolve("absent.onnx");
        assertEquals(none + ": no such file", assertThrows(OnnxException.class, () -> OnnxGraph.load(none)).getMessage());
    }

    @Test
    void unsupportedOpNamesTheOpTheNodeAndTheOpset() {
        ModelProto m = classifier(CellType.GRU);
        GraphProto.Builder g = m.getGraph().toBuilder();
        g.setNode(0, g.getNode(0).toBuilder().setOpType("Loop").setName("the_loop"));
        String msg = message(m.toBuilder().setGraph(g).build(), "loop.onnx");
        assertTrue(msg.startsWith("loop.onnx: node 'the_loop' (Loop, opset 14): op Loop is not supported (jrnn runs "), msg);
        g.setNode(0, g.getNode(0).toBuilder().setOpType("LSTM").setDomain("com.microsoft"));
        msg = message(m.toBuilder().setGraph(g).build(), "ms.onnx");
        assertTrue(msg.contains("op domain 'com.microsoft' is not supported"), msg);
    }

    @Test
    void wrongElementTypes() {
        ModelProto m = classifier(CellType.LSTM);
        GraphProto.Builder g = m.getGraph().toBuilder();
        TensorProto t = g.getInitializer(0);
        g.setInitializer(0, t.toBuilder().setDataType(10).setRawData(ByteString.copyFrom(new byte[t.getRawData().size() / 2])));
        String msg = message(m.toBuilder().setGraph(g).build(), "f16.onnx");
        assertEquals("f16.onnx: initializer 'embedding.weight': element type float16 is not supported (jrnn reads float, "
                + "double, int8/16/32/64, uint8/16/32/64 and bool tensors)", msg);
        // int32 ids where the graph declares int64
        OnnxException e = assertThrows(OnnxException.class, () -> OnnxGraph.parse(m.toByteArray(), "ids.onnx").run(Map.of(
                "input_ids", OnnxValue.ofInts(OnnxValue.INT32, new long[] {1, 2}, 1, 2), "lengths", OnnxValue.ofLongs(new long[] {2}, 1))));
        assertEquals("ids.onnx: input 'input_ids' must be int64, found int32[1, 2]", e.getMessage());
        // a float X for an int64 sequence_lens
        ModelProto lens = editRecurrent(m, n -> n.setInput(4, "lengths_f"));
        GraphProto.Builder g2 = lens.getGraph().toBuilder().addInitializer(OnnxTensors.write("lengths_f", NdArray.of(new float[] {3, 2}, 2)));
        msg = message(lens.toBuilder().setGraph(g2).build(), "lensf.onnx");
        assertTrue(msg.contains("(LSTM, opset 14): sequence_lens must be an int32 vector of batch_size=2 lengths, found float[2]"), msg);
    }

    @Test
    void sizesThatDoNotMatch() {
        ModelProto m = classifier(CellType.LSTM);
        GraphProto.Builder g = m.getGraph().toBuilder();
        TensorProto t = g.getInitializer(0);
        g.setInitializer(0, t.toBuilder().setRawData(t.getRawData().substring(0, t.getRawData().size() - 4)));
        assertEquals("short.onnx: initializer 'embedding.weight': raw_data has 140 bytes, but float dims [9, 4] need 144",
                message(m.toBuilder().setGraph(g).build(), "short.onnx"));
        g.setInitializer(0, t.toBuilder().clearDims().addDims(1L << 31).addDims(1L << 31));
        assertTrue(message(m.toBuilder().setGraph(g).build(), "huge.onnx").contains("hold more than 2147483647 elements"));
        g.setInitializer(0, t.toBuilder().clearDims().addDims(-9).addDims(4));
        assertTrue(message(m.toBuilder().setGraph(g).build(), "neg.onnx").contains("negative dimension -9"));
        // a recurrent weight of the wrong shape: W of the LSTM replaced by a [2, 20, 3] tensor
        String w = editRecurrent(m, n -> n).getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("LSTM"))
                .findFirst().orElseThrow().getInput(1);
        GraphProto.Builder g2 = m.getGraph().toBuilder();
        for (int i = 0; i < g2.getInitializerCount(); i++) {
            if (g2.getInitializer(i).getName().equals(w)) g2.setInitializer(i, OnnxTensors.write(w, NdArray.zeros(DType.FLOAT32, 2, 20, 3)));
        }
        String msg = message(m.toBuilder().setGraph(g2).build(), "w.onnx");
        assertTrue(msg.matches("w\\.onnx: node 'LSTM_\\d+' \\(LSTM, opset 14\\): W has shape \\[2, 20, 3\\], expected \\[2, 20, 4\\]"), msg);
        // a feed with the wrong rank
        OnnxException e = assertThrows(OnnxException.class, () -> OnnxGraph.parse(m.toByteArray(), "rank.onnx").run(Map.of(
                "input_ids", OnnxValue.ofLongs(new long[] {1, 2}, 2), "lengths", OnnxValue.ofLongs(new long[] {2}, 1))));
        assertEquals("rank.onnx: input 'input_ids' must have shape [batch, sequence], found int64[2]", e.getMessage());
    }

    @Test
    void recurrentAttributesJrnnCannotComputeAreRefused() {
        ModelProto m = classifier(CellType.LSTM);
        AttributeProto clip = AttributeProto.newBuilder().setName("clip").setType(AttributeProto.AttributeType.FLOAT).setF(3).build();
        assertTrue(message(editRecurrent(m, n -> n.addAttribute(clip)), "clip.onnx")
                .endsWith("(LSTM, opset 14): attribute clip=3.0 is not supported (jrnn's cells do not clip their inputs to the activations)"));
        assertTrue(message(editRecurrent(m, n -> n.addAttribute(GraphBuilder.attr("input_forget", 1))), "if.onnx")
                .contains("input_forget=1 (coupled input and forget gates) is not supported"));
        assertTrue(message(editRecurrent(m, n -> n.addAttribute(GraphBuilder.attrStrings("activations",
                "HardSigmoid", "Tanh", "Tanh", "Sigmoid", "Tanh", "Tanh"))), "act.onnx")
                .contains("activations [HardSigmoid, Tanh, Tanh, Sigmoid, Tanh, Tanh] are not supported"));
        OnnxException e = assertThrows(OnnxException.class, () -> OnnxGraph.parse(m.toByteArray(), "len0.onnx").run(Map.of(
                "input_ids", OnnxValue.ofLongs(new long[] {1, 2, 3, 4, 5, 0}, 2, 3), "lengths", OnnxValue.ofLongs(new long[] {3, 0}, 2))));
        assertTrue(e.getMessage().contains("sequence_lens[1] = 0 is outside 1..3"), e.getMessage());
    }

    @Test
    void undefinedOperandsAndMissingFeeds() {
        ModelProto m = classifier(CellType.RNN_TANH);
        assertTrue(message(editRecurrent(m, n -> n.setInput(1, "nowhere")), "undef.onnx")
                .contains("input 'nowhere' is not a graph input, an initializer or the output of an earlier node"));
        OnnxException e = assertThrows(OnnxException.class, () -> OnnxGraph.parse(m.toByteArray(), "feed.onnx").run(Map.of(
                "input_ids", OnnxValue.ofLongs(new long[] {1, 2}, 1, 2))));
        assertEquals("feed.onnx: graph input 'lengths' was not given a value", e.getMessage());
    }
}
