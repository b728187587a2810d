/**
 * Gradient-flow diagnostics for recurrent networks: why a network does or does not learn long-range
 * dependencies, measured instead of guessed.
 *
 * <ul>
 *   <li>{@link dev.jrnn.train.diagnostics.GradientProbe} measures a recurrent layer on one batch:
 *       {@code ‖∂L/∂h_t‖} for every step t of every layer-direction (the total derivative, read by zero probes on
 *       the readable path), the spectral radius of each {@code weight_hh} block, and the saturation of every
 *       gate. The result is a {@link dev.jrnn.train.diagnostics.DiagnosticsReport}.</li>
 *   <li>{@link dev.jrnn.train.diagnostics.GradientDiagnostics} calls it every N training steps, keeps the
 *       history and writes {@code diagnostics.jsonl}, {@code diagnostics.csv} and PNG plots.</li>
 *   <li>{@link dev.jrnn.train.diagnostics.SpectralRadius} estimates {@code ρ(W)} by power iteration (Gelfand's
 *       formula) and {@code ‖W‖₂}, and rescales a matrix to a chosen ρ.</li>
 *   <li>{@link dev.jrnn.train.diagnostics.DiagnosticsPlots} draws the charts.</li>
 * </ul>
 *
 * <p>Part of the {@code train} layer: depends on {@code tensor}, {@code autograd}, {@code nn} and {@code io}
 * (atomic file writes). Sequences are {@code [batch, time, features]}. See {@code docs/diagnostics.md}.
 */
package dev.jrnn.train.diagnostics;
