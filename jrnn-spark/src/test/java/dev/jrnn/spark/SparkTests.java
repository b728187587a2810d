package dev.jrnn.spark;

import org.apache.spark.sql.SparkSession;

/** One local Spark session for a test class: {@code master} threads, the UI off, few shuffle partitions. */
final class SparkTests {
    private SparkTests() {}

    static SparkSession session(String master, String name) {
        return SparkSession.builder().master(master).appName(name)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }

    /** The messages of a throwable and its causes, one per line. */
    static String messages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) b.append(c.getMessage()).append('\n');
        return b.toString();
    }
}
