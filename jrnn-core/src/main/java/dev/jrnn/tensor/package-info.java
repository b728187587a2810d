/**
 * The bottom of the stack: {@link dev.jrnn.tensor.NdArray} (dense row-major float32/float64 arrays and
 * their kernels), {@link dev.jrnn.tensor.Blas} (matrix products through OpenBLAS, with a pure-Java
 * fallback), shapes and the seedable {@link dev.jrnn.tensor.Rng}. Knows nothing about gradients.
 */
package dev.jrnn.tensor;
