/**
 * Keras model files read in pure Java: Keras 3 {@code .keras} zips and Keras 1/2 {@code .h5} files (full models, or
 * weights with a separate architecture) become a runnable {@link dev.jrnn.keras.KerasModel} over jrnn layers,
 * computing exactly what Keras computes (its activations, its biases, its masks). The HDF5 reader is jHDF; it and
 * its dependencies stay in this module so that {@code jrnn-core} needs none of them.
 */
package dev.jrnn.keras;
