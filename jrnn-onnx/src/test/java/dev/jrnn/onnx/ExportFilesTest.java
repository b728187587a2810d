package dev.jrnn.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.jrnn.autograd.Autograd;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.text.CharTokenizer;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelConfig;
import dev.jrnn.text.LanguageModelFiles;
import dev.jrnn.text.Seq2Seq;
import dev.jrnn.text.Seq2SeqConfig;
import dev.jrnn.text.Seq2SeqFiles;
import dev.jrnn.text.SpecialToken;
import dev.jrnn.text.Vocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link OnnxExport#export(Path, Path)} from saved model directories. */
class ExportFilesTest {
    @TempDir
    Path tmp;

    @Test
    void savedTwoLayerLstmLanguageModelRunsInOnnxRuntimeStepByStep() throws Exception {
        String text = "to be or not to be, that is the question";
        CharTokenizer tok = new CharTokenizer();
        Vocabulary vocab = Vocabulary.builder().specials(SpecialToken.UNK).addAll(tok.tokenize(text)).build();
        LanguageModel lm = new LanguageModel(LanguageModelConfig.of(vocab.size(), 8, 12).withLayers(2).withSeed(3)
                .withDType(DType.FLOAT64));   // float64 weights are exported as float32
        Path dir = tmp.resolve("lm");
        LanguageModelFiles.save(dir, lm, vocab, tok, ModelFile.Provenance.unknown());
        Path out = tmp.resolve("lm.onnx");
        assertEquals(List.of(out), OnnxExport.export(dir, out));
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(out));
        Map<String, String> meta = new HashMap<>();
        for (StringStringEntryProto e : m.getMetadataPropsList()) meta.put(e.getKey(), e.getValue());
        assertEquals(LanguageModelFiles.MODEL_TYPE, meta.get("jrnn.model_type"));
        assertEquals(Files.readString(dir.resolve("vocab.txt")), meta.get("jrnn.vocab"));
        assertTrue(meta.get("jrnn.config").contains("\"model_type\": \"language-model\"")
                || meta.get("jrnn.config").contains("\"model_type\":\"language-model\""), meta.get("jrnn.config"));

        // The whole text at once in jrnn, one token per call in ONNX Runtime carrying hn/cn: the same logits.
        LanguageModelFiles.Loaded loaded = LanguageModelFiles.load(dir);
        int[] ids = loaded.encode(text);
        NdArray want;
        try (Autograd.Scope ignored = Autograd.noGrad()) {
            want = loaded.model().forward(ids, 1, ids.length, null).logits().data();   // [1, T, V]
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(out.toString(), new OrtSession.SessionOptions())) {
            float[] h = new float[2 * 12], c = new float[2 * 12];
            double worst = 0;
            for (int t = 0; t < ids.length; t++) {
                Map<String, OnnxTensor> in = Map.of(
                        "input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {ids[t]}), new long[] {1, 1}),
                        "h0", OnnxTensor.createTensor(env, FloatBuffer.wrap(h), new long[] {2, 1, 12}),
                        "c0", OnnxTensor.createTensor(env, FloatBuffer.wrap(c), new long[] {2, 1, 12}));
                try (OrtSession.Result r = s.run(in)) {
                    FloatBuffer logits = ((OnnxTensor) r.get("logits").get()).getFloatBuffer();
                    for (int v = 0; v < vocab.size(); v++) {
                        double e = want.get(0, t, v);
                        worst = Math.max(worst, Math.abs(logits.get(v) - e) / Math.max(1, Math.abs(e)));
                    }
                    ((OnnxTensor) r.get("hn").get()).getFloatBuffer().get(h);
                    ((OnnxTensor) r.get("cn").get()).getFloatBuffer().get(c);
                } finally {
                    in.values().forEach(OnnxTensor::close);
                }
            }
            assertTrue(worst < 1e-5, "step-by-step logits differ by " + worst);
        }
    }

    @Test
    void savedSeq2SeqBecomesAnEncoderAndADecoderFile() throws Exception {
        CharTokenizer tok = new CharTokenizer();
        Vocabulary src = Vocabulary.builder().specials(SpecialToken.UNK).addAll(tok.tokenize("0123456789+")).build();
        Vocabulary tgt = Vocabulary.builder().specials(SpecialToken.BOS, SpecialToken.EOS).addAll(tok.tokenize("0123456789")).build();
        int bos = tgt.bosId(), eos = tgt.eosId();
        Seq2Seq model = new Seq2Seq(Seq2SeqConfig.of(src.size(), tgt.size(), 4, 6, bos, eos).withCell(CellType.GRU));
        Path dir = tmp.resolve("adder");
        Seq2SeqFiles.save(dir, model, src, tok, tgt, tok, 5, ModelFile.Provenance.unknown());
        Path out = tmp.resolve("adder.onnx");
        List<Path> files = OnnxExport.export(dir, out);
        assertEquals(List.of(tmp.resolve("adder-encoder.onnx"), tmp.resolve("adder-decoder.onnx")), files);
        assertTrue(Files.notExists(out));
        OnnxGraph enc = OnnxGraph.load(files.get(0)), dec = OnnxGraph.load(files.get(1));
        assertEquals(List.of("input_ids", "lengths"), enc.inputNames());
        assertEquals(List.of("h"), enc.outputNames());
        assertEquals(List.of("input_ids", "h0"), dec.inputNames());
        assertEquals(List.of("logits", "hn"), dec.outputNames());
        Map<String, String> meta = new HashMap<>();
        for (StringStringEntryProto e : dec.model().getMetadataPropsList()) meta.put(e.getKey(), e.getValue());
        assertEquals(String.valueOf(bos), meta.get("jrnn.bos_id"));
        assertEquals(Files.readString(dir.resolve(Seq2SeqFiles.TARGET_VOCAB_FILE)), meta.get("jrnn.vocab"));
    }

    @Test
    void aModelTypeWithoutAnExportIsNamed() throws Exception {
        Path dir = tmp.resolve("mystery");
        ModelFile.write(dir, ModelConfig.parse("{\"model_type\": \"mystery\"}", "test"),
                Map.of("w", NdArray.zeros(DType.FLOAT32, 2)), Map.of());
        OnnxException e = assertThrows(OnnxException.class, () -> OnnxExport.export(dir, tmp.resolve("m.onnx")));
        assertEquals(dir.resolve("config.json") + ": model_type 'mystery' cannot be exported to ONNX (supported: "
                + "language-model, text_classifier, sequence_regressor, seq2seq)", e.getMessage());
        assertTrue(Files.notExists(tmp.resolve("m.onnx")));
    }

    @Test
    void gruLanguageModelExportsLinearBeforeReset() {
        for (CellType cell : new CellType[] {CellType.GRU, CellType.GRU_RESET_BEFORE}) {
            ModelProto m = OnnxExport.languageModel(new LanguageModel(LanguageModelConfig.of(5, 3, 4).withCell(cell)));
            long lbr = m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("GRU")).findFirst().orElseThrow()
                    .getAttributeList().stream().filter(a -> a.getName().equals("linear_before_reset")).findFirst().orElseThrow().getI();
            assertEquals(cell == CellType.GRU ? 1 : 0, lbr, cell.name());
        }
    }
}
