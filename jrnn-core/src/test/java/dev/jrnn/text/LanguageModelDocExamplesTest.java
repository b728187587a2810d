package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.Sgd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The examples of docs/text-generation.md, compiled and run (keep the two in step). Tiny sizes, a few updates. */
class LanguageModelDocExamplesTest {
    @Test
    void languageModelExample(@TempDir Path dir) throws Exception {
        String text = "the cat sat on the mat. the dog sat on the log. ".repeat(20);
        // --- doc: language model
        CharTokenizer chars = new CharTokenizer();
        Vocabulary vocab = Vocabulary.builder().addAll(chars.tokenize(text)).build();
        int[] ids = vocab.encode(text, chars);

        LanguageModel lm = new LanguageModel(LanguageModelConfig.of(vocab.size(), 16, 64)
                .withCell(CellType.LSTM).withLayers(2).withDropout(0.1).withSeed(42)
                .withSpecials(vocab.id("."), vocab.eosId(), vocab.unkId()));   // start input, <eos>, <unk>
        List<LanguageModelTrainer.Epoch> log = new LanguageModelTrainer(
                        LanguageModelTrainer.Config.of(8, 32, 3).withClipNorm(5))   // rows, TBPTT length, epochs
                .onEpoch(System.out::println)
                .fit(lm, new Adam(lm.parameters(), Adam.Config.adam(0.01)), ids, null);

        LanguageModel.Evaluation eval = lm.evaluate(ids, 1, 64);       // perplexity, bits per character
        double lnP = lm.logProbability(vocab.encode(" the cat", chars), false);
        SamplingConfig sampling = SamplingConfig.defaults()
                .withTemperature(0.8).withTopK(10).withTopP(0.95).withMaxLength(60).withResampleUnk(true).withSeed(7);
        String sample = vocab.decode(lm.generate(vocab.encode(" the", chars), sampling).tokens(), chars);
        List<BeamSearch.Hypothesis> best = lm.beamSearch(vocab.encode(" the", chars), BeamSearchConfig.of(4, 20));
        lm.save(dir.resolve("lm.safetensors"), Map.of("vocabulary", vocab.toText()));
        // --- end
        LanguageModel.Session session = lm.session();                  // --- doc: session
        double[] logits = session.feed(vocab.encode(" the", chars));   // the next char's logits, state kept
        logits = session.feed(vocab.id("c"));                          // one more step
        // --- end
        assertEquals(3, log.size());
        assertTrue(eval.perplexity() < vocab.size());
        assertTrue(lnP < 0);
        assertTrue(sample.length() <= 60 && !sample.contains("\uFFFD"), "at most 60 chars, never <unk>: " + sample);
        assertTrue(!best.isEmpty());
        assertEquals(vocab.size(), logits.length);
        assertEquals(lm.config(), LanguageModel.load(dir.resolve("lm.safetensors")).model().config());
    }

    @Test
    void seq2SeqExample() {
        List<int[]> sources = List.of(new int[] {1, 2, 3}, new int[] {4, 5});
        List<int[]> targets = List.of(new int[] {3, 2, 1}, new int[] {5, 4});
        // --- doc: seq2seq
        int bos = 10, eos = 11;                                        // target ids 0-9 are digits
        Seq2Seq model = new Seq2Seq(Seq2SeqConfig.of(10, 12, 16, 64, bos, eos).withSeed(7));
        Sgd sgd = new Sgd(model.parameters(), 0.5);
        for (int step = 0; step < 5; step++) {
            double loss = model.trainBatch(sources, targets, sgd, 1.0); // teacher forcing, masked cross-entropy
        }
        int[] greedy = model.greedy(new int[] {1, 2, 3}, 10);
        List<int[]> batch = model.greedy(sources, 10);
        List<BeamSearch.Hypothesis> beam = model.beamSearch(new int[] {1, 2, 3},
                BeamSearchConfig.of(5, 10).withLengthPenalty(0.7));
        double lnP = model.logProbability(new int[] {1, 2, 3}, new int[] {3, 2, 1});
        double accuracy = model.exactMatch(sources, targets, 10);
        // --- end
        assertTrue(greedy.length <= 10 && batch.size() == 2 && !beam.isEmpty() && lnP < 0 && accuracy >= 0);
    }
}
