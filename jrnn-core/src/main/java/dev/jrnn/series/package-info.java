/**
 * Sequence regression and time-series forecasting: a numeric table in time order read from CSV
 * ({@link dev.jrnn.series.TimeSeries}), sliding windows of past rows and the values that follow them
 * ({@link dev.jrnn.series.ForecastSpec}), per-column standardisation fitted on the training rows
 * ({@link dev.jrnn.series.Standardizer}), a recurrent regressor ({@link dev.jrnn.series.SequenceRegressor}: an
 * LSTM/GRU/RNN stack and a linear layer on its final state) and its saved model directory
 * ({@link dev.jrnn.series.SequenceRegressorFiles}).
 *
 * <pre>{@code
 * TimeSeries s = TimeSeries.read(Path.of("weather.csv"), TimeSeries.Header.AUTO);
 * ForecastSpec spec = new ForecastSpec(List.of("temp", "humidity"), List.of("temp"), 24, 3);
 * int cut = s.rows() * 4 / 5;                                          // the tail is held out
 * Standardizer z = Standardizer.fit(s, spec.columns(), 0, cut);
 * SequenceDataset train = spec.dataset(s, z, spec.window(), cut - spec.horizon());
 * SequenceRegressor model = new SequenceRegressor(SequenceRegressor.Config.of(2, 32, spec.outputSize()));
 * // fit with dev.jrnn.train.Trainer: loss = Losses.mse(model.forward(b.featureTensor(), null), b.targetTensor())
 * }</pre>
 *
 * <p>Layering: beside {@code text}, above {@code train}; it may use {@code tensor}, {@code autograd}, {@code nn},
 * {@code optim}, {@code io} and {@code train}, and neither it nor {@code text} uses the other.
 */
package dev.jrnn.series;
