package dev.jrnn.spark;

import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * Named arrays of doubles that add up: what partitions send back (gradient sums, or parameters and optimizer state
 * to average) and what the driver broadcasts. Values travel as float64 whatever the model's dtype, so sums of
 * float32 gradients lose nothing on the way.
 */
final class Vectors implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The arrays by name, in name order. */
    final TreeMap<String, double[]> values = new TreeMap<>();
    /** How many partitions contributed. */
    long count;
    /** The summed loss and the items it sums over. */
    double lossSum, weight;

    /** Adds {@code other} into this one (names present in either). */
    Vectors merge(Vectors other) {
        other.values.forEach((k, v) -> {
            double[] mine = values.get(k);
            if (mine == null) {
                values.put(k, v.clone());
            } else {
                if (mine.length != v.length) {
                    throw new IllegalStateException("jrnn: partitions disagree on the size of '" + k + "': " + mine.length
                            + " and " + v.length);
                }
                for (int i = 0; i < v.length; i++) mine[i] += v[i];
            }
        });
        count += other.count;
        lossSum += other.lossSum;
        weight += other.weight;
        return this;
    }

    /** An array's values as doubles. */
    static double[] of(NdArray a) {
        return a.toDoubleArray();
    }

    /** Writes values into a parameter's live storage. */
    static void set(Parameter p, double[] v) {
        NdArray d = p.data();
        if (v.length != d.size()) {
            throw new IllegalStateException("jrnn: " + v.length + " values for a parameter of " + d.size());
        }
        if (d.dtype() == DType.FLOAT64) {
            System.arraycopy(v, 0, d.doubleData(), 0, v.length);
        } else {
            float[] f = d.floatData();
            for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        }
    }

    /** An array of the given dtype and shape from doubles. */
    static NdArray array(double[] v, DType dtype, int[] shape) {
        NdArray a = NdArray.of(v.clone(), shape);
        return dtype == DType.FLOAT64 ? a : a.to(dtype);
    }

    /** The named parameters' values. */
    static TreeMap<String, double[]> parameters(Map<String, Parameter> named, String prefix) {
        TreeMap<String, double[]> out = new TreeMap<>();
        named.forEach((n, p) -> out.put(prefix + n, of(p.data())));
        return out;
    }
}
