/**
 * ONNX import and export for jrnn.
 *
 * <p>{@link dev.jrnn.onnx.OnnxGraph} reads an {@code .onnx} file and runs it: the recurrent nodes ({@code LSTM},
 * {@code GRU}, {@code RNN}) become jrnn's stock layers ({@code Lstm}, {@code Gru}, {@code SimpleRnn}, or an
 * {@code LstmCell} with peepholes), and the operators exporters put around them ({@code Gather}, {@code Gemm},
 * {@code MatMul}, {@code Transpose}, {@code Reshape}, ...) run on {@link dev.jrnn.onnx.OnnxValue}s.
 * {@link dev.jrnn.onnx.OnnxExport} writes saved jrnn models (language model, text classifier, sequence regressor)
 * as ONNX graphs of standard {@code LSTM}/{@code GRU}/{@code RNN} operators with dynamic batch and sequence axes.
 * The protobuf classes are {@code ai.onnx.proto.OnnxMl} (generated from {@code onnx-ml.proto}, shipped in
 * {@code org.tribuo:tribuo-util-onnx}). See docs/formats.md, section "ONNX".
 */
package dev.jrnn.onnx;
