package dev.jrnn.bench;

import java.util.Locale;

/**
 * The workloads of the performance issue (docs/performance.md). Float32, random data, fixed seed; a training step
 * is forward + loss + backward + optimizer update.
 */
public enum Workload {
    /** SimpleRNN tanh, MSE on every output, SGD. */
    W1("W1", "SimpleRNN tanh train", Cell.RNN, 128, 256, 64, 100, 1, true),
    /** LSTM, MSE on every output, SGD. */
    W2("W2", "LSTM train", Cell.LSTM, 128, 256, 64, 100, 1, true),
    /** GRU, MSE on every output, SGD. */
    W3("W3", "GRU train", Cell.GRU, 128, 256, 64, 100, 1, true),
    /** LSTM inference, batch 1 (latency). */
    W4_B1("W4b1", "LSTM infer B=1", Cell.LSTM, 128, 256, 1, 100, 1, false),
    /** LSTM inference, batch 64 (throughput). */
    W4_B64("W4b64", "LSTM infer B=64", Cell.LSTM, 128, 256, 64, 100, 1, false),
    /** Char-LM: Embedding(65, 64) → LSTM(512) → LSTM(512) → Linear(65), softmax CE on every step, SGD. */
    W5("W5", "char-LM 2xLSTM512", Cell.LSTM, 64, 512, 32, 100, 2, true),
    /** IMDB-like: Embedding(10000, 100) → 2×SimpleRNN(64) → Linear(1) on the last step, BCE with logits, Adam. */
    W6("W6", "IMDB 2xRNN64 Adam", Cell.RNN, 100, 64, 128, 80, 2, true);

    /** Cell type. */
    public enum Cell {
        RNN(1), LSTM(4), GRU(3);
        /** Gate blocks G. */
        public final int gates;

        Cell(int gates) { this.gates = gates; }
    }

    /** Vocabulary of W5 (characters). */
    public static final int CHARS = 65;
    /** Vocabulary of W6 (words). */
    public static final int WORDS = 10000;

    public final String id;
    public final String title;
    public final Cell cell;
    /** Input features of the first recurrent layer (the embedding size for W5, W6). */
    public final int input;
    public final int hidden;
    public final int batch;
    public final int time;
    public final int layers;
    public final boolean training;

    Workload(String id, String title, Cell cell, int input, int hidden, int batch, int time, int layers,
             boolean training) {
        this.id = id;
        this.title = title;
        this.cell = cell;
        this.input = input;
        this.hidden = hidden;
        this.batch = batch;
        this.time = time;
        this.layers = layers;
        this.training = training;
    }

    /** B·T. */
    public long tokens() { return (long) batch * time; }

    /**
     * Floating-point operations of one step: forward {@code 2·T·B·G·H·(I+H)} per recurrent layer (plus the output
     * Linear of W5/W6, {@code 2·rows·H·out}), times 3 for a training step. Gate nonlinearities, losses and the
     * optimizer are not counted.
     */
    public double flops() {
        double f = 0;
        int in = input;
        for (int l = 0; l < layers; l++) {
            f += 2.0 * time * batch * cell.gates * hidden * (double) (in + hidden);
            in = hidden;
        }
        if (this == W5) {
            f += 2.0 * time * batch * hidden * CHARS;
        } else if (this == W6) {
            f += 2.0 * batch * hidden;
        }
        return training ? 3 * f : f;
    }

    /** Recurrent matrix-product flops only ({@code 2·T·B·G·H·H} per layer, forward + the two backward products). */
    public double recurrentFlops() {
        double f = 2.0 * time * batch * cell.gates * hidden * (double) hidden * layers;
        return training ? 3 * f : f;
    }

    /** Parses {@code W1}, {@code w4b1}, ... or {@code all}. */
    public static Workload parse(String s) {
        for (Workload w : values()) {
            if (w.id.equalsIgnoreCase(s) || w.name().equalsIgnoreCase(s)) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown workload " + s + "; one of W1, W2, W3, W4b1, W4b64, W5, W6");
    }

    /** One line describing the shapes. */
    public String shapes() {
        return String.format(Locale.ROOT, "%s I=%d H=%d B=%d T=%d layers=%d %s", cell, input, hidden, batch, time,
                layers, training ? "train" : "inference");
    }
}
