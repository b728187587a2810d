/**
 * Serving: trained models frozen for inference, one instance shared by many threads.
 *
 * <p>{@link dev.jrnn.infer.PackedRnn} copies a stock recurrent layer's weights once and packs them for the
 * kernels that run one sequence step by step (a matrix–vector product per weight matrix with the weights laid out
 * for it) and a batch of sequences of different lengths. It is immutable; per-request state lives in
 * {@link dev.jrnn.infer.RnnStream} objects (one per sequence, not shared between threads at once) or in the
 * working memory of a {@code run} call. Nothing here builds an autograd graph.
 *
 * <p>The package sits at the top of the core's layers, above {@code text} and {@code series}, so that it can
 * serve the models those packages train. See {@code docs/serving.md}.
 */
package dev.jrnn.infer;
