package dev.jrnn.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Beam search (and greedy search) over any model that scores the next token given a state: a
 * {@link LanguageModel}, a {@link Seq2Seq} decoder, or a hand-made table in a test.
 *
 * <p>Greedy decoding takes the single most probable token at each step; it can miss the most probable
 * <i>sequence</i>, when a likely first token leads only to unlikely continuations. Beam search keeps the
 * {@code B} best partial hypotheses instead:
 * <pre>
 *   beam = { (ε, ln P = 0) }
 *   repeat up to maxLength times:
 *     expand every hypothesis by every token v:  ln P(h·v) = ln P(h) + ln P(v | h)
 *     keep the k best expansions (k = B − finished so far; ties: the earlier hypothesis, then the lower id)
 *     an expansion ending in &lt;eos&gt; is finished and leaves the beam (the beam shrinks by one)
 *   the finished hypotheses (and those cut at maxLength) ranked by ln P / n^α  ({@link BeamSearchConfig#score})
 * </pre>
 * With {@code B = 1} this is exactly greedy decoding. The surviving hypotheses of a step are advanced in one
 * call ({@link Model#advance}), so a recurrent model runs them as one batch.
 */
public final class BeamSearch {
    private BeamSearch() {}

    /**
     * The model a search runs: the distribution of the first token, then one step per chosen token.
     *
     * @param <S> the model's state after a prefix (for a recurrent model, its hidden state)
     */
    public interface Model<S> {
        /** The log-probabilities of the first token and the state they came from. */
        Step<S> start();

        /**
         * Feeds one token to each of several hypotheses.
         *
         * @param states the hypotheses' states (from earlier {@link Step}s; never changed)
         * @param tokens the token each one continues with, {@code tokens.length == states.size()}
         * @return for each hypothesis, in order, the log-probabilities of the token after that one and the new state
         */
        List<Step<S>> advance(List<S> states, int[] tokens);
    }

    /**
     * The model's answer for one prefix.
     *
     * @param logProbs {@code ln P(v | prefix)} for every token {@code v} (length {@code V}; {@code -∞} allowed)
     * @param state    the state after the prefix
     * @param <S>      the state type
     */
    public record Step<S>(double[] logProbs, S state) {}

    /**
     * A decoded sequence.
     *
     * @param tokens         the generated ids, the closing {@code <eos>} not included
     * @param logProbability {@code ln P} of the tokens (and of the {@code <eos>} when finished)
     * @param score          the ranking score {@code logProbability / n^α}, {@code n = tokens.length + (finished ? 1 : 0)}
     * @param finished       whether it ended with {@code <eos>} (else it was cut at {@code maxLength})
     */
    public record Hypothesis(int[] tokens, double logProbability, double score, boolean finished) {
        @Override
        public String toString() {
            return "Hypothesis(" + Arrays.toString(tokens) + ", lnP=" + logProbability + ", score=" + score
                    + (finished ? ", <eos>" : ", cut") + ")";
        }
    }

    /** A live partial hypothesis: its tokens, summed log-probability and the model's answer after it. */
    private record Alive<S>(int[] tokens, double logProbability, Step<S> step) {}

    /** An expansion of live hypothesis {@code parent} by {@code token}. */
    private record Candidate(int parent, int token, double logProbability) {}

    private static final Comparator<Candidate> BEST_FIRST = Comparator
            .comparingDouble((Candidate c) -> -c.logProbability())
            .thenComparingInt(Candidate::parent)
            .thenComparingInt(Candidate::token);

    /**
     * Runs beam search.
     *
     * @return every finished hypothesis and those cut at {@code maxLength}, best score first (at most
     *         {@code beamWidth} of them)
     */
    public static <S> List<Hypothesis> search(Model<S> model, BeamSearchConfig config) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(config, "config");
        List<Alive<S>> alive = List.of(new Alive<>(new int[0], 0, model.start()));
        List<Hypothesis> done = new ArrayList<>();
        for (int t = 0; t < config.maxLength() && !alive.isEmpty(); t++) {
            int k = config.beamWidth() - done.size();                 // the beam shrinks as hypotheses finish
            List<Candidate> best = topCandidates(alive, k);
            List<Alive<S>> next = new ArrayList<>();
            List<S> parentStates = new ArrayList<>();
            List<Integer> tokens = new ArrayList<>();
            for (Candidate c : best) {
                int[] prefix = alive.get(c.parent()).tokens();
                if (c.token() == config.eosId()) {
                    done.add(new Hypothesis(prefix, c.logProbability(), config.score(c.logProbability(), prefix.length + 1), true));
                } else {
                    next.add(new Alive<>(append(prefix, c.token()), c.logProbability(), null));
                    parentStates.add(alive.get(c.parent()).step().state());
                    tokens.add(c.token());
                }
            }
            if (!next.isEmpty() && t + 1 < config.maxLength()) {         // the last step's tokens need no successor
                List<Step<S>> steps = model.advance(parentStates, tokens.stream().mapToInt(Integer::intValue).toArray());
                if (steps.size() != next.size()) {
                    throw new IllegalStateException("BeamSearch: Model.advance returned " + steps.size() + " steps for "
                            + next.size() + " hypotheses");
                }
                for (int i = 0; i < next.size(); i++) {
                    Alive<S> a = next.get(i);
                    next.set(i, new Alive<>(a.tokens(), a.logProbability(), steps.get(i)));
                }
            }
            alive = next;
        }
        for (Alive<S> a : alive) {                                     // cut at maxLength
            done.add(new Hypothesis(a.tokens(), a.logProbability(), config.score(a.logProbability(), a.tokens().length), false));
        }
        done.sort(Comparator.comparingDouble((Hypothesis h) -> -h.score()));   // stable: earlier-found first on ties
        return done;
    }

    /** The {@code k} best expansions of all live hypotheses (finite log-probabilities only). */
    private static <S> List<Candidate> topCandidates(List<Alive<S>> alive, int k) {
        List<Candidate> pool = new ArrayList<>();
        for (int p = 0; p < alive.size(); p++) {
            double base = alive.get(p).logProbability();
            double[] lp = alive.get(p).step().logProbs();
            // only each parent's own top k can be among the overall top k
            List<Candidate> mine = new ArrayList<>();
            for (int v = 0; v < lp.length; v++) {
                if (lp[v] == Double.NEGATIVE_INFINITY) continue;
                if (Double.isNaN(lp[v])) {
                    throw new IllegalArgumentException("BeamSearch: the model gave NaN for token " + v
                            + " (non-finite logits: did training diverge?)");
                }
                mine.add(new Candidate(p, v, base + lp[v]));
            }
            mine.sort(BEST_FIRST);
            pool.addAll(mine.subList(0, Math.min(k, mine.size())));
        }
        pool.sort(BEST_FIRST);
        return pool.subList(0, Math.min(k, pool.size()));
    }

    /**
     * Greedy decoding: at each step the most probable token (ties: the lower id), until {@code eosId} or
     * {@code maxLength} tokens. The reference that beam search of width 1 must equal.
     *
     * @param eosId     the token that ends the sequence, or {@link LanguageModel#NONE}
     * @param maxLength the most tokens, &gt;= 1
     */
    public static <S> Hypothesis greedy(Model<S> model, int eosId, int maxLength) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("BeamSearch.greedy: maxLength must be >= 1, got " + maxLength);
        }
        Step<S> step = model.start();
        int[] tokens = new int[0];
        double logP = 0;
        while (true) {
            int best = Sampler.argmax(step.logProbs(), -1);
            logP += step.logProbs()[best];
            if (best == eosId) {
                return new Hypothesis(tokens, logP, logP, true);
            }
            tokens = append(tokens, best);
            if (tokens.length == maxLength) {
                return new Hypothesis(tokens, logP, logP, false);
            }
            step = model.advance(List.of(step.state()), new int[] {best}).get(0);
        }
    }

    private static int[] append(int[] prefix, int token) {
        int[] out = Arrays.copyOf(prefix, prefix.length + 1);
        out[prefix.length] = token;
        return out;
    }
}
