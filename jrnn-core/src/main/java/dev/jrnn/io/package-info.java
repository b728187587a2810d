/**
 * Files on disk: the safetensors weight format ({@link dev.jrnn.io.Safetensors}), atomic writes
 * ({@link dev.jrnn.io.AtomicFiles}), PyTorch parameter names ({@link dev.jrnn.io.TorchNames}) and the
 * conversion of Keras recurrent weights to jrnn's PyTorch layout ({@link dev.jrnn.io.KerasImport}), and the
 * saved-model directory ({@link dev.jrnn.io.ModelFile}: {@code config.json}, weights, vocabulary), validated
 * before anything is built.
 *
 * <p>Layering: this package may use {@code tensor}, {@code autograd}, {@code nn} and {@code optim}, never
 * {@code train} or {@code text}. Nothing here uses Java serialization; see {@code docs/formats.md} for the
 * exact file formats and validation rules.
 */
package dev.jrnn.io;
