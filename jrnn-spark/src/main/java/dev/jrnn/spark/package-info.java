/**
 * jrnn on Apache Spark 4: batch inference over DataFrames ({@link dev.jrnn.spark.JrnnPredictor},
 * {@link dev.jrnn.spark.JrnnModelTransformer}, a SQL function) and data-parallel training
 * ({@link dev.jrnn.spark.DistributedTrainer}: synchronous gradient sums or local SGD with parameter averaging,
 * checkpoints on any Hadoop file system).
 *
 * <p>The module sits above {@code jrnn-core} and nothing in the core knows about it. Spark is a {@code provided}
 * dependency: the cluster brings its own. See {@code docs/spark.md}.
 */
package dev.jrnn.spark;
