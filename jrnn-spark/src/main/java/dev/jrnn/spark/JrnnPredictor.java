package dev.jrnn.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Batch inference with a saved jrnn model over Spark DataFrames: the plain Java API under
 * {@link JrnnModelTransformer} and the SQL function.
 *
 * <p>{@link #load} reads the model directory on the driver and broadcasts its bytes, so each executor fetches them
 * once; the first task on an executor JVM loads the model ({@link ShippedModel#load()}) and every later task shares
 * it. {@link #transform} appends a column computed partition by partition in batches of {@code batchSize} rows, with
 * the core calls of {@code jrnn predict} (column types: {@link #outputType()}). A null or blank input gives a null
 * prediction and is counted in the accumulator {@link #emptyInputs()} (re-run tasks may count a row twice, as for
 * every Spark accumulator updated in a transformation); a model that cannot be read fails the job with jrnn's
 * message ({@link JrnnSparkException}).
 *
 * <pre>{@code
 * JrnnPredictor imdb = JrnnPredictor.load(spark, Path.of("runs/imdb"));
 * Dataset<Row> scored = imdb.transform(reviews, "text", "sentiment", 256);    // sentiment.label, .probability
 * imdb.register(spark, "sentiment");      // SELECT sentiment(text).label FROM reviews
 * }</pre>
 */
public final class JrnnPredictor {
    /** The batch size {@code jrnn predict} uses for classifiers and seq2seq models. */
    public static final int DEFAULT_BATCH_SIZE = 256;

    private final ShippedModel model;
    private final Broadcast<ShippedModel> shipped;
    private final LongAccumulator empty;

    private JrnnPredictor(ShippedModel model, Broadcast<ShippedModel> shipped, LongAccumulator empty) {
        this.model = model;
        this.shipped = shipped;
        this.empty = empty;
    }

    /**
     * Reads a model directory on the driver (a path the driver can read) and broadcasts it.
     *
     * @throws IOException when it is not a saved jrnn model, or a file cannot be read
     */
    public static JrnnPredictor load(SparkSession spark, Path modelDir) throws IOException {
        return of(spark, ShippedModel.read(modelDir));
    }

    /** A predictor for a model already read (tests ship damaged ones). */
    static JrnnPredictor of(SparkSession spark, ShippedModel model) {
        Predictions.outputType(model.modelType());                // refuses an unknown kind on the driver
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        LongAccumulator empty = spark.sparkContext().longAccumulator("jrnn empty inputs (" + model.source() + ")");
        return new JrnnPredictor(model, jsc.broadcast(model), empty);
    }

    /** The model's {@code model_type}. */
    public String modelType() { return model.modelType(); }

    /** The type of the prediction column (see {@link Predictions}). */
    public DataType outputType() { return Predictions.outputType(model.modelType()); }

    /** Null or blank inputs met so far, over every job run with this predictor. */
    public long emptyInputs() { return empty.value(); }

    /** Frees the broadcast bytes on the executors (and on the driver); the predictor cannot be used afterwards. */
    public void destroy() { shipped.destroy(); }

    /** The schema {@link #transform} returns. */
    public StructType outputSchema(StructType schema, String inputCol, String outputCol) {
        StructField in;
        try {
            in = schema.apply(inputCol);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("jrnn: the input column '" + inputCol + "' is not in the DataFrame (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        if (!in.dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("jrnn: the input column '" + inputCol + "' must be a string column (a "
                    + what() + "), found " + in.dataType().simpleString());
        }
        if (Arrays.asList(schema.fieldNames()).contains(outputCol)) {
            throw new IllegalArgumentException("jrnn: the output column '" + outputCol + "' is already in the DataFrame;"
                    + " choose another name");
        }
        return schema.add(outputCol, outputType(), true);
    }

    private String what() {
        return model.modelType().equals(dev.jrnn.series.SequenceRegressorFiles.MODEL_TYPE) ? "CSV table per row" : "text per row";
    }

    /**
     * The DataFrame with the prediction column {@code outputCol} appended.
     *
     * @param batchSize rows given to the model at once (per partition)
     * @throws IllegalArgumentException naming the column when {@code inputCol} is missing or not a string, or
     *                                  {@code outputCol} exists
     */
    public Dataset<Row> transform(Dataset<Row> df, String inputCol, String outputCol, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("jrnn: batchSize must be >= 1, got " + batchSize);
        StructType out = outputSchema(df.schema(), inputCol, outputCol);
        int column = df.schema().fieldIndex(inputCol);
        return df.mapPartitions(new PartitionPredictor(shipped, empty, column, batchSize), Encoders.row(out));
    }

    /**
     * Registers the SQL function {@code name(input)} returning the prediction ({@link #outputType()}); it runs one
     * row at a time, so it is for SQL users; {@link #transform} batches.
     */
    public void register(SparkSession spark, String name) {
        spark.udf().register(name, new RowPredictor(shipped, empty), outputType());
    }

    /** Predicts a partition in batches, keeping the row order. */
    private static final class PartitionPredictor implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<ShippedModel> shipped;
        private final LongAccumulator empty;
        private final int column, batchSize;

        PartitionPredictor(Broadcast<ShippedModel> shipped, LongAccumulator empty, int column, int batchSize) {
            this.shipped = shipped;
            this.empty = empty;
            this.column = column;
            this.batchSize = batchSize;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            if (!rows.hasNext()) return rows;
            ShippedModel m = shipped.value();
            Object loaded = m.load();
            return new Iterator<>() {
                private final List<Row> ready = new ArrayList<>();
                private int next;

                @Override
                public boolean hasNext() {
                    if (next < ready.size()) return true;
                    ready.clear();
                    next = 0;
                    if (!rows.hasNext()) return false;
                    List<Row> batch = new ArrayList<>(batchSize);
                    List<String> inputs = new ArrayList<>(batchSize);
                    while (rows.hasNext() && inputs.size() < batchSize) {
                        Row r = rows.next();
                        batch.add(r);
                        String in = r.isNullAt(column) ? null : r.getString(column);
                        if (Predictions.isEmpty(in)) empty.add(1);
                        else inputs.add(in);
                    }
                    List<Object> predicted = inputs.isEmpty() ? List.of() : Predictions.predict(loaded, inputs, m.source());
                    int k = 0;
                    for (Row r : batch) {
                        String in = r.isNullAt(column) ? null : r.getString(column);
                        ready.add(append(r, Predictions.isEmpty(in) ? null : predicted.get(k++)));
                    }
                    return true;
                }

                @Override
                public Row next() {
                    if (!hasNext()) throw new NoSuchElementException();
                    return ready.get(next++);
                }
            };
        }

        private static Row append(Row r, Object value) {
            Object[] values = new Object[r.length() + 1];
            for (int i = 0; i < r.length(); i++) values[i] = r.get(i);
            values[r.length()] = value;
            return RowFactory.create(values);
        }
    }

    /** The SQL function: one row at a time, the same model cache. */
    private static final class RowPredictor implements UDF1<String, Object> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<ShippedModel> shipped;
        private final LongAccumulator empty;

        RowPredictor(Broadcast<ShippedModel> shipped, LongAccumulator empty) {
            this.shipped = shipped;
            this.empty = empty;
        }

        @Override
        public Object call(String input) {
            if (Predictions.isEmpty(input)) {
                empty.add(1);
                return null;
            }
            ShippedModel m = shipped.value();
            return Predictions.predictOne(m.load(), input, m.source());
        }
    }
}
