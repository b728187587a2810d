/**
 * Reverse-mode automatic differentiation over {@link dev.jrnn.tensor.NdArray}: {@link dev.jrnn.autograd.Tensor}
 * records a graph as operations run (define by run), each operation's backward written beside its forward;
 * {@link dev.jrnn.autograd.GradCheck} compares any gradient with central differences in float64.
 * Depends only on {@code tensor}.
 */
package dev.jrnn.autograd;
