package dev.jrnn.spark;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One training example as the partitions hold it: token ids and a class (text classifier), or a window of
 * {@code T + 1} tokens whose first {@code T} are read and last {@code T} predicted (language model; label unused).
 *
 * @param tokens token ids (not empty)
 * @param label  the class id, or -1 when there is none
 */
public record TrainingExample(int[] tokens, int label) implements Serializable {
    /** Checks the tokens are there. */
    public TrainingExample {
        if (tokens == null || tokens.length == 0) throw new IllegalArgumentException("TrainingExample: tokens must not be empty");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainingExample e && e.label == label && Arrays.equals(e.tokens, tokens);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(tokens) + label;
    }

    @Override
    public String toString() {
        return "TrainingExample(" + tokens.length + " tokens, label " + label + ")";
    }
}
