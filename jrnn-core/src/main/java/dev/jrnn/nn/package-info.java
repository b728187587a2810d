/**
 * Modules and layers: {@link dev.jrnn.nn.Module} with named {@link dev.jrnn.nn.Parameter}s (PyTorch
 * {@code state_dict} naming), {@link dev.jrnn.nn.Linear}, activations, {@link dev.jrnn.nn.Dropout},
 * {@link dev.jrnn.nn.Sequential}, {@link dev.jrnn.nn.Losses}, and attention over encoder outputs
 * ({@link dev.jrnn.nn.Attention}: {@link dev.jrnn.nn.AdditiveAttention}, {@link dev.jrnn.nn.MultiplicativeAttention}).
 * Recurrent cells and layers live in
 * {@code dev.jrnn.nn.rnn}. Depends on {@code tensor} and {@code autograd} only.
 */
package dev.jrnn.nn;
