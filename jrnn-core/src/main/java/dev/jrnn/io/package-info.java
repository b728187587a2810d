/**
 * Files on disk: the safetensors weight format ({@link dev.jrnn.io.Safetensors}), atomic writes
 * ({@link dev.jrnn.io.AtomicFiles}), PyTorch parameter names ({@link dev.jrnn.io.TorchNames}) and the
 * conversion of Keras recurrent weights to jrnn's PyTorch layout ({@link dev.jrnn.io.KerasImport}), and the
 * saved-model directory ({@link dev.jrnn.io.ModelFile}: {@code config.json}, weights, vocabulary), validated
 * before anything is built. Shared by every reader above: the size limits and heap check made before allocating
 * ({@link dev.jrnn.io.Limits}), gzipped data files that name themselves when damaged ({@link dev.jrnn.io.Gzip}), and
 * text from files made safe to print ({@link dev.jrnn.io.Printable}).
 *
 * <p>Layering: this package may use {@code tensor}, {@code autograd}, {@code nn} and {@code optim}, never
 * {@code train} or {@code text}. Nothing here uses Java serialization; see {@code docs/formats.md} for the
 * exact file formats and validation rules.
 */
package dev.jrnn.io;
