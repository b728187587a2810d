/**
 * Training: datasets of sequences and padded batches ({@link dev.jrnn.train.SequenceDataset},
 * {@link dev.jrnn.train.Batch}), the fit loop ({@link dev.jrnn.train.Trainer}), truncated backpropagation
 * through time over a token stream ({@link dev.jrnn.train.TruncatedBptt}), metrics
 * ({@link dev.jrnn.train.Metrics}), progress output, metric logs and atomic checkpoints
 * ({@link dev.jrnn.train.Checkpoint}). Depends on {@code tensor}, {@code autograd}, {@code nn}, {@code optim}
 * and {@code io}; never on {@code text} or {@code cli}.
 *
 * <p>Sequences are {@code [batch, time, features]} throughout (token batches {@code [batch, time]}).
 */
package dev.jrnn.train;
