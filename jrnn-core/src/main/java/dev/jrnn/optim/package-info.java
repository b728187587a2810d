/**
 * Optimizers that update {@link dev.jrnn.nn.Parameter}s from their gradients. Depends on {@code tensor},
 * {@code autograd} and {@code nn}.
 */
package dev.jrnn.optim;
