package dev.jrnn.spark;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A saved jrnn model as a Spark ML {@link Transformer}, so that it fits into a {@code Pipeline}: params
 * {@code modelPath} (a model directory the driver can read), {@code inputCol} (default {@code "text"}),
 * {@code outputCol} (default {@code "prediction"}) and {@code batchSize} (default
 * {@value JrnnPredictor#DEFAULT_BATCH_SIZE}). It delegates to {@link JrnnPredictor}, created on the first
 * {@link #transform} and kept (one broadcast per transformer).
 *
 * <pre>{@code
 * JrnnModelTransformer sentiment = new JrnnModelTransformer()
 *         .setModelPath("runs/imdb").setInputCol("review").setOutputCol("sentiment");
 * Dataset<Row> out = sentiment.transform(reviews);
 * }</pre>
 */
public final class JrnnModelTransformer extends Transformer {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> modelPath;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final IntParam batchSize;
    private transient JrnnPredictor predictor;
    private transient String predictorPath;

    /** A transformer with a fresh uid. */
    public JrnnModelTransformer() {
        this(Identifiable$.MODULE$.randomUID("jrnn"));
    }

    /** A transformer with the given uid (Spark's {@code copy} uses this). */
    public JrnnModelTransformer(String uid) {
        this.uid = uid;
        modelPath = new Param<>(this, "modelPath", "a saved jrnn model directory, readable by the driver");
        inputCol = new Param<>(this, "inputCol", "the string column to read (text, or a CSV table for a regressor)");
        outputCol = new Param<>(this, "outputCol", "the prediction column to add");
        batchSize = new IntParam(this, "batchSize", "rows given to the model at once, per partition (>= 1)",
                ParamValidators.gtEq(1));
        setDefault(inputCol, "text");
        setDefault(outputCol, "prediction");
        setDefault(batchSize, JrnnPredictor.DEFAULT_BATCH_SIZE);
    }

    @Override
    public String uid() { return uid; }

    /** The model directory param. */
    public Param<String> modelPath() { return modelPath; }

    /** The input column param. */
    public Param<String> inputCol() { return inputCol; }

    /** The output column param. */
    public Param<String> outputCol() { return outputCol; }

    /** The batch size param. */
    public IntParam batchSize() { return batchSize; }

    /** Sets the model directory. */
    public JrnnModelTransformer setModelPath(String v) { set(modelPath, v); return this; }

    /** Sets the input column. */
    public JrnnModelTransformer setInputCol(String v) { set(inputCol, v); return this; }

    /** Sets the output column. */
    public JrnnModelTransformer setOutputCol(String v) { set(outputCol, v); return this; }

    /** Sets the batch size. */
    public JrnnModelTransformer setBatchSize(int v) { set(batchSize, v); return this; }

    /** Null or blank inputs met by this transformer's jobs so far (0 before the first transform). */
    public long emptyInputs() {
        return predictor == null ? 0 : predictor.emptyInputs();
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        @SuppressWarnings("unchecked")
        Dataset<Row> df = (Dataset<Row>) dataset.toDF();
        return predictor(df.sparkSession()).transform(df, $(inputCol), $(outputCol), (Integer) $(batchSize));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return predictor(SparkSession.active()).outputSchema(schema, $(inputCol), $(outputCol));
    }

    @Override
    public JrnnModelTransformer copy(ParamMap extra) {
        return (JrnnModelTransformer) defaultCopy(extra);
    }

    private synchronized JrnnPredictor predictor(SparkSession spark) {
        if (!isDefined(modelPath)) throw new IllegalArgumentException("jrnn: set modelPath (a saved jrnn model directory)");
        String path = $(modelPath);
        if (predictor == null || !path.equals(predictorPath)) {
            try {
                predictor = JrnnPredictor.load(spark, Path.of(path));
                predictorPath = path;
            } catch (IOException e) {
                throw new UncheckedIOException("jrnn: " + e.getMessage(), e);
            }
        }
        return predictor;
    }
}
