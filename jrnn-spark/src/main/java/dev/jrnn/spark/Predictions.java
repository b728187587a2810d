package dev.jrnn.spark;

import dev.jrnn.infer.ServedTextClassifier;
import dev.jrnn.series.SequenceRegressorFiles;
import dev.jrnn.series.TimeSeries;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelFiles;
import dev.jrnn.text.Seq2SeqFiles;
import dev.jrnn.text.TextClassifierFiles;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What each kind of saved model adds to a row, computed with the core calls {@code jrnn predict} makes:
 * <table>
 * <caption>output column by model type</caption>
 * <tr><th>model</th><th>input</th><th>output column</th></tr>
 * <tr><td>text classifier</td><td>text</td>
 *     <td>{@code struct<label: string, probability: double, probabilities: array<double>>}
 *     ({@link TextClassifierFiles.Loaded#predictProbabilities})</td></tr>
 * <tr><td>language model</td><td>text</td>
 *     <td>{@code struct<log_prob: double, tokens: int, perplexity: double>}: {@code ln P(text [, <eos>])}
 *     ({@link LanguageModel#stepLogProbabilities}), the tokens scored and {@code exp(-log_prob / tokens)}</td></tr>
 * <tr><td>seq2seq</td><td>text</td><td>{@code string}: greedy decoding ({@link Seq2SeqFiles.Loaded#greedy})</td></tr>
 * <tr><td>regressor</td><td>a CSV table (header optional)</td>
 *     <td>{@code array<double>}: the forecast after its last row, step-major
 *     ({@link SequenceRegressorFiles.Loaded#forecast(TimeSeries)})</td></tr>
 * </table>
 */
final class Predictions {
    private Predictions() {}

    /** The classifier's output struct. */
    static final StructType CLASSIFIER = new StructType()
            .add("label", DataTypes.StringType)
            .add("probability", DataTypes.DoubleType)
            .add("probabilities", DataTypes.createArrayType(DataTypes.DoubleType, false));

    /** The language model's output struct. */
    static final StructType LANGUAGE_MODEL = new StructType()
            .add("log_prob", DataTypes.DoubleType)
            .add("tokens", DataTypes.IntegerType)
            .add("perplexity", DataTypes.DoubleType);

    /** The output column's type for a model type. */
    static DataType outputType(String modelType) {
        switch (modelType) {
            case TextClassifierFiles.MODEL_TYPE: return CLASSIFIER;
            case LanguageModelFiles.MODEL_TYPE: return LANGUAGE_MODEL;
            case Seq2SeqFiles.MODEL_TYPE: return DataTypes.StringType;
            case SequenceRegressorFiles.MODEL_TYPE: return DataTypes.createArrayType(DataTypes.DoubleType, false);
            default:
                throw new IllegalArgumentException("model type '" + modelType + "': jrnn-spark runs a text classifier, "
                        + "a language model, a seq2seq model or a regressor");
        }
    }

    /**
     * The predictions for one batch of non-empty inputs, one Spark value per input, in order.
     *
     * @param loaded what {@link ShippedModel#load()} returned
     * @param source the model's name, for messages
     */
    static List<Object> predict(Object loaded, List<String> inputs, String source) {
        if (loaded instanceof TextClassifierFiles.Loaded m) return classify(m, inputs);
        if (loaded instanceof LanguageModelFiles.Loaded m) return score(m, inputs);
        if (loaded instanceof Seq2SeqFiles.Loaded m) return new ArrayList<>(m.greedy(inputs));
        if (loaded instanceof SequenceRegressorFiles.Loaded m) return forecast(m, inputs, source);
        throw new IllegalStateException("unexpected loaded model " + loaded.getClass().getName());
    }

    private static List<Object> classify(TextClassifierFiles.Loaded m, List<String> texts) {
        double[][] p = m.predictProbabilities(texts);
        List<Object> out = new ArrayList<>(p.length);
        for (double[] row : p) {
            int best = ServedTextClassifier.predictClass(row);                      // as jrnn predict: first maximum
            out.add(RowFactory.create(m.classes().get(best), row[best], row));     // Spark takes double[] as array<double>
        }
        return out;
    }

    private static List<Object> score(LanguageModelFiles.Loaded m, List<String> texts) {
        List<Object> out = new ArrayList<>(texts.size());
        boolean withEos = m.model().config().eosId() != LanguageModel.NONE;
        for (String text : texts) {
            double[] steps = m.model().stepLogProbabilities(m.encode(text), withEos);
            double sum = 0;
            for (double lp : steps) sum += lp;                     // the order logProbability sums in
            out.add(steps.length == 0 ? null : RowFactory.create(sum, steps.length, Math.exp(-sum / steps.length)));
        }
        return out;
    }

    private static List<Object> forecast(SequenceRegressorFiles.Loaded m, List<String> tables, String source) {
        List<Object> out = new ArrayList<>(tables.size());
        for (String table : tables) {
            try {
                double[] y = m.forecast(TimeSeries.parse(table, "an input table of " + source, TimeSeries.Header.AUTO));
                out.add(y);
            } catch (IOException e) {
                throw new JrnnSparkException("jrnn: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** A one-row view for the SQL function. */
    static Object predictOne(Object loaded, String input, String source) {
        return predict(loaded, List.of(input), source).get(0);
    }

    /** Whether an input (null, empty or only white space) yields a null prediction instead of a model call. */
    static boolean isEmpty(String input) {
        return input == null || input.isBlank();
    }
}
