package dev.jrnn.text;

import dev.jrnn.optim.Adam;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A char-level LSTM trained for a few seconds with truncated BPTT on a short rhyme learns it: low perplexity,
 * and greedy generation from a seed text recites it.
 */
class LanguageModelTrainingTest {
    static final String RHYME = "twinkle twinkle little star\nhow i wonder what you are\n"
            + "up above the world so high\nlike a diamond in the sky\n";

    @Test
    void aCharModelLearnsARhymeAndRecitesIt() {
        String text = RHYME.repeat(12);
        CharTokenizer chars = new CharTokenizer();
        Vocabulary vocab = Vocabulary.builder().addAll(chars.tokenize(text)).build();
        int[] ids = vocab.encode(text, chars);

        LanguageModel lm = new LanguageModel(LanguageModelConfig.of(vocab.size(), 16, 64).withSeed(1)
                .withSpecials(vocab.id("\n"), vocab.eosId(), vocab.unkId()));       // a line starts after "\n"
        LanguageModel.Evaluation before = lm.evaluate(RHYME.repeat(2).transform(s -> vocab.encode(s, chars)), 1, 64);
        // 8 rows of 160 chars, chunks of 32 steps: 5 updates an epoch, 150 in all (an update budget, not a clock)
        var trainer = new LanguageModelTrainer(LanguageModelTrainer.Config.of(8, 32, 30).withClipNorm(5))
                .onEpoch(e -> { if (e.epoch() % 10 == 0) System.out.println(e); });
        List<LanguageModelTrainer.Epoch> log = trainer.fit(lm, new Adam(lm.parameters(), Adam.Config.adam(0.01)), ids, null);
        LanguageModel.Evaluation after = lm.evaluate(RHYME.repeat(2).transform(s -> vocab.encode(s, chars)), 1, 64);
        LanguageModelTrainer.Epoch last = log.get(log.size() - 1);
        System.out.printf("char LM: V=%d, %d epochs (%d updates each) in %.1fs; perplexity %.2f -> %.3f, %.3f bits/char%n",
                vocab.size(), log.size(), last.updates(), last.seconds(), before.perplexity(), after.perplexity(),
                after.bitsPerToken());
        assertTrue(after.perplexity() < 1.25, "perplexity " + after.perplexity() + " after " + log.size() + " epochs");

        int[] seed = vocab.encode("twinkle twinkle ", chars);
        int[] greedy = lm.generate(seed, SamplingConfig.greedyDecoding().withMaxLength(100)).tokens();
        String recited = vocab.decode(greedy, chars);
        System.out.println("greedy from \"twinkle twinkle \": " + recited.replace("\n", " / "));
        assertEquals(RHYME.repeat(2).substring("twinkle twinkle ".length(), "twinkle twinkle ".length() + 100), recited);

        String sampled = vocab.decode(lm.generate(new int[0], SamplingConfig.defaults().withTemperature(0.5)
                .withMaxLength(150).withSeed(3)).tokens(), chars);
        System.out.println("sampled at temperature 0.5 from nothing: " + sampled.replace("\n", " / "));
        Set<String> lines = Set.of(RHYME.split("\n"));
        String[] got = sampled.split("\n", -1);
        for (int i = 0; i < got.length - 1; i++) {                 // every complete line is a line of the rhyme
            assertTrue(lines.contains(got[i]), "sampled line '" + got[i] + "'");
        }
    }
}
