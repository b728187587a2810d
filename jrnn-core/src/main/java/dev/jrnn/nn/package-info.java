/**
 * Modules and layers: {@link dev.jrnn.nn.Module} with named {@link dev.jrnn.nn.Parameter}s (PyTorch
 * {@code state_dict} naming), {@link dev.jrnn.nn.Linear}, activations, {@link dev.jrnn.nn.Dropout},
 * {@link dev.jrnn.nn.Sequential} and {@link dev.jrnn.nn.Losses}. Recurrent cells and layers live in
 * {@code dev.jrnn.nn.rnn}. Depends on {@code tensor} and {@code autograd} only.
 */
package dev.jrnn.nn;
