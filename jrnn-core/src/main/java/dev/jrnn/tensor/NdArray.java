package dev.jrnn.tensor;

import java.util.Arrays;
import java.util.Locale;

/**
 * A dense, row-major, n-dimensional array of float32 or float64 numbers: the data under every
 * {@code Tensor}. It knows nothing about gradients.
 *
 * <p>Storage is one Java array ({@code float[]} or {@code double[]}) holding the elements contiguously
 * in row-major order. Operations return new arrays; the exceptions are {@link #reshape} (a view that
 * shares storage, like PyTorch's {@code view}) and the methods whose name ends in {@code InPlace} (used
 * by optimizers), which overwrite this array's storage.
 *
 * <p>Elementwise binary operations broadcast as NumPy does. Every shape error names the operation, the
 * argument and both shapes.
 */
public final class NdArray {
    private final DType dtype;
    private final int[] shape;
    private final int size;
    private final float[] f;
    private final double[] d;

    private NdArray(DType dtype, int[] shape, float[] f, double[] d) {
        this.dtype = dtype;
        this.shape = shape;
        this.size = Shapes.size(shape);
        this.f = f;
        this.d = d;
        int len = f != null ? f.length : d.length;
        if (len != size) {
            throw new IllegalArgumentException("NdArray: shape " + Shapes.str(shape) + " needs " + size
                    + " elements, but the data has " + len);
        }
    }

    // ------------------------------------------------------------------ creation

    /** Wraps {@code data} (not copied) as a float32 array of the given shape. */
    public static NdArray of(float[] data, int... shape) {
        return new NdArray(DType.FLOAT32, shape.clone(), data, null);
    }

    /** Wraps {@code data} (not copied) as a float64 array of the given shape. */
    public static NdArray of(double[] data, int... shape) {
        return new NdArray(DType.FLOAT64, shape.clone(), null, data);
    }

    /** A 1-D float32 array holding a copy of {@code data}. */
    public static NdArray vector(float... data) {
        return of(data.clone(), data.length);
    }

    /** Copies a rectangular {@code float[rows][cols]} into a float32 array of shape {@code [rows, cols]}. */
    public static NdArray of(float[][] rows) {
        int r = rows.length, c = r == 0 ? 0 : rows[0].length;
        float[] out = new float[r * c];
        for (int i = 0; i < r; i++) {
            if (rows[i].length != c) {
                throw new IllegalArgumentException("NdArray.of: row " + i + " has " + rows[i].length
                        + " elements, expected " + c + " like row 0 (rows must be rectangular)");
            }
            System.arraycopy(rows[i], 0, out, i * c, c);
        }
        return of(out, r, c);
    }

    /** Copies a rectangular {@code double[rows][cols]} into a float64 array of shape {@code [rows, cols]}. */
    public static NdArray of(double[][] rows) {
        int r = rows.length, c = r == 0 ? 0 : rows[0].length;
        double[] out = new double[r * c];
        for (int i = 0; i < r; i++) {
            if (rows[i].length != c) {
                throw new IllegalArgumentException("NdArray.of: row " + i + " has " + rows[i].length
                        + " elements, expected " + c + " like row 0 (rows must be rectangular)");
            }
            System.arraycopy(rows[i], 0, out, i * c, c);
        }
        return of(out, r, c);
    }

    /** A zero-filled array. */
    public static NdArray zeros(DType dtype, int... shape) {
        int n = Shapes.size(shape);
        return dtype == DType.FLOAT32 ? of(new float[n], shape) : of(new double[n], shape);
    }

    /** A zero-filled float32 array. */
    public static NdArray zeros(int... shape) {
        return zeros(DType.FLOAT32, shape);
    }

    /** An array filled with {@code value}. */
    public static NdArray full(DType dtype, double value, int... shape) {
        return zeros(dtype, shape).fillInPlace(value);
    }

    /** An array filled with ones. */
    public static NdArray ones(DType dtype, int... shape) {
        return full(dtype, 1, shape);
    }

    /** A zero-dimensional array (shape {@code []}) holding {@code value}. */
    public static NdArray scalar(DType dtype, double value) {
        return full(dtype, value);
    }

    /** {@code [start, start+step, ...]} up to but excluding {@code end}, as a 1-D array. */
    public static NdArray arange(DType dtype, double start, double end, double step) {
        if (!(step != 0) || !Double.isFinite(step)) {
            throw new IllegalArgumentException("NdArray.arange: step must be finite and non-zero, got " + step);
        }
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        NdArray out = zeros(dtype, n);
        for (int i = 0; i < n; i++) {
            out.setFlat(i, start + i * step);
        }
        return out;
    }

    /** {@code [0, 1, ..., n-1]} as a 1-D array. */
    public static NdArray arange(DType dtype, int n) {
        return arange(dtype, 0, n, 1);
    }

    /** Uniform samples in {@code [low, high)} drawn from {@code rng}. */
    public static NdArray rand(Rng rng, DType dtype, double low, double high, int... shape) {
        if (!(low <= high)) {
            throw new IllegalArgumentException("NdArray.rand: low must be <= high, got low=" + low + ", high=" + high);
        }
        NdArray out = zeros(dtype, shape);
        for (int i = 0; i < out.size; i++) {
            out.setFlat(i, low + (high - low) * rng.nextDouble());
        }
        return out;
    }

    /** Normal samples with the given mean and standard deviation drawn from {@code rng}. */
    public static NdArray randn(Rng rng, DType dtype, double mean, double std, int... shape) {
        if (!(std >= 0)) {
            throw new IllegalArgumentException("NdArray.randn: std must be >= 0, got " + std);
        }
        NdArray out = zeros(dtype, shape);
        for (int i = 0; i < out.size; i++) {
            out.setFlat(i, mean + std * rng.nextGaussian());
        }
        return out;
    }

    // ------------------------------------------------------------------ accessors

    /** The element type. */
    public DType dtype() { return dtype; }

    /** A copy of the shape. */
    public int[] shape() { return shape.clone(); }

    /** Number of dimensions. */
    public int rank() { return shape.length; }

    /** Number of elements. */
    public int size() { return size; }

    /** Size of dimension {@code axis} (negative counts from the end). */
    public int dim(int axis) { return shape[Shapes.axis("NdArray.dim", axis, shape.length)]; }

    /** True when this array has exactly the given shape. */
    public boolean hasShape(int... s) { return Arrays.equals(shape, s); }

    /** The raw float32 storage (row-major, shared, not a copy); throws for float64 arrays. */
    public float[] floatData() {
        if (f == null) {
            throw new IllegalStateException("floatData(): this array is " + dtype + "; use doubleData() or to(FLOAT32)");
        }
        return f;
    }

    /** The raw float64 storage (row-major, shared, not a copy); throws for float32 arrays. */
    public double[] doubleData() {
        if (d == null) {
            throw new IllegalStateException("doubleData(): this array is " + dtype + "; use floatData() or to(FLOAT64)");
        }
        return d;
    }

    /** The element at flat (row-major) index {@code i}, as a double. */
    public double getFlat(int i) { return f != null ? f[i] : d[i]; }

    /** Sets the element at flat index {@code i}. */
    public void setFlat(int i, double v) {
        if (f != null) {
            f[i] = (float) v;
        } else {
            d[i] = v;
        }
    }

    /** The element at the given multi-index, as a double. */
    public double get(int... index) { return getFlat(flatIndex(index)); }

    /** Sets the element at the given multi-index. */
    public void set(double v, int... index) { setFlat(flatIndex(index), v); }

    /** The only element of a one-element array. */
    public double item() {
        if (size != 1) {
            throw new IllegalStateException("item(): array has shape " + Shapes.str(shape) + " (" + size
                    + " elements); item() needs exactly one");
        }
        return getFlat(0);
    }

    private int flatIndex(int[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " has " + index.length
                    + " coordinates, but the array has rank " + shape.length + " (shape " + Shapes.str(shape) + ")");
        }
        int flat = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " is out of bounds for shape "
                        + Shapes.str(shape) + " (coordinate " + i + ")");
            }
            flat = flat * shape[i] + index[i];
        }
        return flat;
    }

    /** A copy of the elements as floats. */
    public float[] toFloatArray() {
        if (f != null) {
            return f.clone();
        }
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
            out[i] = (float) d[i];
        }
        return out;
    }

    /** A copy of the elements as doubles. */
    public double[] toDoubleArray() {
        if (d != null) {
            return d.clone();
        }
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /** This array in {@code target} dtype (this same object when it already is). */
    public NdArray to(DType target) {
        if (target == dtype) {
            return this;
        }
        return target == DType.FLOAT32 ? of(toFloatArray(), shape) : of(toDoubleArray(), shape);
    }

    /** A deep copy. */
    public NdArray copy() {
        return f != null ? of(f.clone(), shape) : of(d.clone(), shape);
    }

    /** A zero-filled array of the same dtype and shape. */
    public NdArray zerosLike() {
        return zeros(dtype, shape);
    }

    private NdArray newArray(int... s) {
        return zeros(dtype, s);
    }

    private Object storage() {
        return f != null ? f : d;
    }

    // ------------------------------------------------------------------ elementwise binary with broadcasting

    private enum Bin { ADD, SUB, MUL, DIV, POW, MAX }

    /** {@code this + other}, broadcasting. */
    public NdArray add(NdArray other) { return binary(Bin.ADD, "add", other); }

    /** {@code this - other}, broadcasting. */
    public NdArray sub(NdArray other) { return binary(Bin.SUB, "sub", other); }

    /** {@code this * other} elementwise, broadcasting. */
    public NdArray mul(NdArray other) { return binary(Bin.MUL, "mul", other); }

    /** {@code this / other} elementwise, broadcasting. */
    public NdArray div(NdArray other) { return binary(Bin.DIV, "div", other); }

    /** {@code this ^ other} elementwise, broadcasting. */
    public NdArray pow(NdArray other) { return binary(Bin.POW, "pow", other); }

    /** Elementwise maximum, broadcasting. */
    public NdArray maximum(NdArray other) { return binary(Bin.MAX, "maximum", other); }

    private void checkDType(String op, NdArray other) {
        if (other.dtype != dtype) {
            throw new IllegalArgumentException(op + ": dtypes differ (" + dtype + " and " + other.dtype
                    + "); convert one with to(" + dtype.name() + ")");
        }
    }

    private NdArray binary(Bin op, String name, NdArray other) {
        checkDType(name, other);
        if (Arrays.equals(shape, other.shape)) {
            NdArray out = newArray(shape);
            if (f != null) {
                binF(op, f, 0, 1, other.f, 0, 1, out.f, 0, size);
            } else {
                binD(op, d, 0, 1, other.d, 0, 1, out.d, 0, size);
            }
            return out;
        }
        int[] os = Shapes.broadcast(name, shape, other.shape);
        NdArray out = newArray(os);
        if (out.size == 0) {
            return out;
        }
        int r = os.length;
        int[] sa = broadcastStrides(shape, os), sb = broadcastStrides(other.shape, os);
        // Innermost dimension runs as a strided vector loop; the odometer walks the outer ones.
        int inner = os[r - 1], ia = sa[r - 1], ib = sb[r - 1];
        int outer = out.size / inner;
        int[] idx = new int[r];
        int pa = 0, pb = 0;
        for (int o = 0; o < outer; o++) {
            if (f != null) {
                binF(op, f, pa, ia, other.f, pb, ib, out.f, o * inner, inner);
            } else {
                binD(op, d, pa, ia, other.d, pb, ib, out.d, o * inner, inner);
            }
            for (int ax = r - 2; ax >= 0; ax--) {
                idx[ax]++;
                pa += sa[ax];
                pb += sb[ax];
                if (idx[ax] < os[ax]) {
                    break;
                }
                pa -= sa[ax] * os[ax];
                pb -= sb[ax] * os[ax];
                idx[ax] = 0;
            }
        }
        return out;
    }

    /** Strides of {@code s} aligned to the broadcast shape {@code os}, 0 where {@code s} is broadcast. */
    private static int[] broadcastStrides(int[] s, int[] os) {
        int[] st = Shapes.strides(s);
        int[] out = new int[os.length];
        int off = os.length - s.length;
        for (int i = 0; i < s.length; i++) {
            out[i + off] = s[i] == 1 ? 0 : st[i];
        }
        return out;
    }

    // twin bin float begin
    private static void binF(Bin op, float[] a, int pa, int ia, float[] b, int pb, int ib, float[] o, int po, int n) {
        if (ia == 1 && ib == 1) {                  // unit strides (a row plus a row vector): loops the JIT vectorizes
            switch (op) {
                case ADD: for (int i = 0; i < n; i++) o[po + i] = a[pa + i] + b[pb + i]; return;
                case SUB: for (int i = 0; i < n; i++) o[po + i] = a[pa + i] - b[pb + i]; return;
                case MUL: for (int i = 0; i < n; i++) o[po + i] = a[pa + i] * b[pb + i]; return;
                default: break;
            }
        }
        switch (op) {
            case ADD: for (int i = 0; i < n; i++) o[po + i] = a[pa + i * ia] + b[pb + i * ib]; break;
            case SUB: for (int i = 0; i < n; i++) o[po + i] = a[pa + i * ia] - b[pb + i * ib]; break;
            case MUL: for (int i = 0; i < n; i++) o[po + i] = a[pa + i * ia] * b[pb + i * ib]; break;
            case DIV: for (int i = 0; i < n; i++) o[po + i] = a[pa + i * ia] / b[pb + i * ib]; break;
            case POW: for (int i = 0; i < n; i++) o[po + i] = (float) Math.pow(a[pa + i * ia], b[pb + i * ib]); break;
            case MAX: for (int i = 0; i < n; i++) o[po + i] = Math.max(a[pa + i * ia], b[pb + i * ib]); break;
            default: throw new AssertionError(op);
        }
    }
    // twin bin float end

    // twin bin double begin: generated by tools/gen_twins.py from the float region above; edit that one
    private static void binD(Bin op, double[] a, int pa, int ia, double[] b, int pb, int ib, double[] o, int po, int n) {
        if (ia == 1 && ib == 1) {                  // unit strides (a row plus a row vector): loops the JIT vectorizes
            switch (op) {
                case ADD: for (int i = 0; i < n; i++) o[po + i] = a[pa + i] + b[pb + i]; return;
                case SUB: for (int i = 0; i < n; i++) o[po + i] = a[pa + i] - b[pb + i]; return;
                case MUL: for (int i = 0; i < n; i++) o[po + i] = a[pa + i] * b[pb + i]; return;
                default: break;
            }
        }
        switch (op) {
            case ADD: for (int i = 0; i < n; i++) o[po + i] = a[pa + i * ia] + b[pb + i * ib]; break;
            case SUB: for (int i = 0; i < n; i++) o[po + i] = a[pa + i * ia] - b[pb + i * ib]; break;
            case MUL: for (int i = 0; i < n; i++) o[po + i] = a[pa + i * ia] * b[pb + i * ib]; break;
            case DIV: for (int i = 0; i < n; i++) o[po + i] = a[pa + i * ia] / b[pb + i * ib]; break;
            case POW: for (int i = 0; i < n; i++) o[po + i] = Math.pow(a[pa + i * ia], b[pb + i * ib]); break;
            case MAX: for (int i = 0; i < n; i++) o[po + i] = Math.max(a[pa + i * ia], b[pb + i * ib]); break;
            default: throw new AssertionError(op);
        }
    }
    // twin bin double end

    /** {@code this + s}. */
    public NdArray add(double s) { return affine(1, s); }

    /** {@code this * s}. */
    public NdArray mul(double s) { return affine(s, 0); }

    /** {@code a * this + b} elementwise. */
    public NdArray affine(double a, double b) {
        NdArray out = newArray(shape);
        if (f != null) {
            float fa = (float) a, fb = (float) b;
            for (int i = 0; i < size; i++) out.f[i] = fa * f[i] + fb;
        } else {
            for (int i = 0; i < size; i++) out.d[i] = a * d[i] + b;
        }
        return out;
    }

    // ------------------------------------------------------------------ elementwise unary

    private enum Un { NEG, EXP, LOG, TANH, SIGMOID, RELU, SQRT, ABS, SQUARE, SIGN, RECIPROCAL }

    /** {@code -this}. */
    public NdArray neg() { return unary(Un.NEG); }

    /** {@code e^x}. */
    public NdArray exp() { return unary(Un.EXP); }

    /** Natural logarithm. */
    public NdArray log() { return unary(Un.LOG); }

    /** Hyperbolic tangent. */
    public NdArray tanh() { return unary(Un.TANH); }

    /** Logistic sigmoid {@code 1 / (1 + e^-x)}. */
    public NdArray sigmoid() { return unary(Un.SIGMOID); }

    /** {@code max(x, 0)}. */
    public NdArray relu() { return unary(Un.RELU); }

    /** Square root. */
    public NdArray sqrt() { return unary(Un.SQRT); }

    /** Absolute value. */
    public NdArray abs() { return unary(Un.ABS); }

    /** {@code x * x}. */
    public NdArray square() { return unary(Un.SQUARE); }

    /** Sign: -1, 0 or 1. */
    public NdArray sign() { return unary(Un.SIGN); }

    /** {@code 1 / x}. */
    public NdArray reciprocal() { return unary(Un.RECIPROCAL); }

    /** {@code x ^ p} for a scalar exponent. */
    public NdArray pow(double p) {
        NdArray out = newArray(shape);
        for (int i = 0; i < size; i++) {
            out.setFlat(i, p == 2 ? getFlat(i) * getFlat(i) : Math.pow(getFlat(i), p));
        }
        return out;
    }

    /** ELU: {@code x} for {@code x > 0}, else {@code alpha (e^x - 1)}. */
    public NdArray elu(double alpha) {
        NdArray out = newArray(shape);
        for (int i = 0; i < size; i++) {
            double x = getFlat(i);
            out.setFlat(i, x > 0 ? x : alpha * Math.expm1(x));
        }
        return out;
    }

    /** Clamps every element to {@code [lo, hi]}. */
    public NdArray clamp(double lo, double hi) {
        return copy().clampInPlace(lo, hi);
    }

    private NdArray unary(Un op) {
        NdArray out = newArray(shape);
        if (f != null) {
            unF(op, f, out.f, size);
        } else {
            unD(op, d, out.d, size);
        }
        return out;
    }

    // twin un float begin
    private static void unF(Un op, float[] a, float[] o, int n) {
        switch (op) {
            case NEG: for (int i = 0; i < n; i++) o[i] = -a[i]; break;
            case EXP: for (int i = 0; i < n; i++) o[i] = (float) Math.exp(a[i]); break;
            case LOG: for (int i = 0; i < n; i++) o[i] = (float) Math.log(a[i]); break;
            case TANH: for (int i = 0; i < n; i++) o[i] = MathF.tanh(a[i]); break;
            case SIGMOID: for (int i = 0; i < n; i++) o[i] = MathF.sigmoid(a[i]); break;
            case RELU: for (int i = 0; i < n; i++) o[i] = a[i] > 0 ? a[i] : 0; break;
            case SQRT: for (int i = 0; i < n; i++) o[i] = (float) Math.sqrt(a[i]); break;
            case ABS: for (int i = 0; i < n; i++) o[i] = Math.abs(a[i]); break;
            case SQUARE: for (int i = 0; i < n; i++) o[i] = a[i] * a[i]; break;
            case SIGN: for (int i = 0; i < n; i++) o[i] = Math.signum(a[i]); break;
            case RECIPROCAL: for (int i = 0; i < n; i++) o[i] = 1 / a[i]; break;
            default: throw new AssertionError(op);
        }
    }
    // twin un float end

    // twin un double begin: generated by tools/gen_twins.py from the float region above; edit that one
    private static void unD(Un op, double[] a, double[] o, int n) {
        switch (op) {
            case NEG: for (int i = 0; i < n; i++) o[i] = -a[i]; break;
            case EXP: for (int i = 0; i < n; i++) o[i] = Math.exp(a[i]); break;
            case LOG: for (int i = 0; i < n; i++) o[i] = Math.log(a[i]); break;
            case TANH: for (int i = 0; i < n; i++) o[i] = MathF.tanh(a[i]); break;
            case SIGMOID: for (int i = 0; i < n; i++) o[i] = MathF.sigmoid(a[i]); break;
            case RELU: for (int i = 0; i < n; i++) o[i] = a[i] > 0 ? a[i] : 0; break;
            case SQRT: for (int i = 0; i < n; i++) o[i] = Math.sqrt(a[i]); break;
            case ABS: for (int i = 0; i < n; i++) o[i] = Math.abs(a[i]); break;
            case SQUARE: for (int i = 0; i < n; i++) o[i] = a[i] * a[i]; break;
            case SIGN: for (int i = 0; i < n; i++) o[i] = Math.signum(a[i]); break;
            case RECIPROCAL: for (int i = 0; i < n; i++) o[i] = 1 / a[i]; break;
            default: throw new AssertionError(op);
        }
    }
    // twin un double end

    /** 1 where {@code this > threshold}, else 0 (same dtype). */
    public NdArray gt(double threshold) {
        NdArray out = newArray(shape);
        for (int i = 0; i < size; i++) {
            out.setFlat(i, getFlat(i) > threshold ? 1 : 0);
        }
        return out;
    }

    // ------------------------------------------------------------------ reductions

    /** Sum of all elements, as a 0-d array. */
    public NdArray sum() {
        double s = 0;
        for (int i = 0; i < size; i++) {
            s += getFlat(i);
        }
        return scalar(dtype, s);
    }

    /** Mean of all elements, as a 0-d array. */
    public NdArray mean() {
        return scalar(dtype, sum().item() / size);
    }

    /** Sum over {@code axis}; the axis is kept with size 1 when {@code keepDim}. */
    public NdArray sum(int axis, boolean keepDim) {
        return reduce("sum", axis, keepDim, false);
    }

    /** Mean over {@code axis}. */
    public NdArray mean(int axis, boolean keepDim) {
        int a = Shapes.axis("mean", axis, shape.length);
        return reduce("mean", a, keepDim, false).mul(1.0 / shape[a]);
    }

    /** Maximum over {@code axis}. */
    public NdArray max(int axis, boolean keepDim) {
        return reduce("max", axis, keepDim, true);
    }

    private NdArray reduce(String op, int axis, boolean keepDim, boolean isMax) {
        int a = Shapes.axis(op, axis, shape.length);
        int n = shape[a];
        if (isMax && n == 0) {
            throw new IllegalArgumentException(op + ": axis " + axis + " of shape " + Shapes.str(shape) + " is empty");
        }
        int inner = 1, outer = 1;
        for (int i = a + 1; i < shape.length; i++) inner *= shape[i];
        for (int i = 0; i < a; i++) outer *= shape[i];   // not size / (n * inner): another axis may be empty
        NdArray out = newArray(reducedShape(a, keepDim));
        if (!isMax) {                              // sums: walk memory in order, one double accumulator per output
            double[] acc = new double[inner];
            for (int o = 0; o < outer; o++) {
                Arrays.fill(acc, 0);
                for (int k = 0; k < n; k++) {
                    int base = (o * n + k) * inner;
                    if (f != null) {
                        for (int j = 0; j < inner; j++) acc[j] += f[base + j];
                    } else {
                        for (int j = 0; j < inner; j++) acc[j] += d[base + j];
                    }
                }
                for (int j = 0; j < inner; j++) out.setFlat(o * inner + j, acc[j]);
            }
            return out;
        }
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                int base = o * n * inner + j;
                double acc = isMax ? Double.NEGATIVE_INFINITY : 0;
                for (int k = 0; k < n; k++) {
                    double v = getFlat(base + k * inner);
                    acc = isMax ? (v > acc || Double.isNaN(v) ? v : acc) : acc + v;
                }
                out.setFlat(o * inner + j, acc);
            }
        }
        return out;
    }

    private int[] reducedShape(int a, boolean keepDim) {
        int[] s = new int[keepDim ? shape.length : shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i == a) {
                if (keepDim) s[j++] = 1;
            } else {
                s[j++] = shape[i];
            }
        }
        return s;
    }

    /**
     * Index of the maximum along {@code axis}, for every position of the other axes in row-major order
     * (e.g. for a {@code [N, C]} array and axis 1, one class index per row).
     */
    public int[] argmax(int axis) {
        int a = Shapes.axis("argmax", axis, shape.length);
        int n = shape[a];
        if (n == 0) {
            throw new IllegalArgumentException("argmax: axis " + axis + " of shape " + Shapes.str(shape) + " is empty");
        }
        int inner = 1, outer = 1;
        for (int i = a + 1; i < shape.length; i++) inner *= shape[i];
        for (int i = 0; i < a; i++) outer *= shape[i];   // not size / (n * inner): another axis may be empty
        int[] out = new int[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                int base = o * n * inner + j, best = 0;
                double bv = getFlat(base);
                for (int k = 1; k < n; k++) {
                    double v = getFlat(base + k * inner);
                    if (v > bv) {
                        bv = v;
                        best = k;
                    }
                }
                out[o * inner + j] = best;
            }
        }
        return out;
    }

    /**
     * Sums this array down to {@code target}, a shape this array's shape was broadcast from (the
     * backward of broadcasting).
     */
    public NdArray sumTo(int... target) {
        if (Arrays.equals(shape, target)) {
            return this;
        }
        NdArray r = this;
        int lead = shape.length - target.length;
        if (lead < 0) {
            throw Shapes.mismatch("sumTo", "target", target, "a shape " + Shapes.str(shape) + " broadcasts from");
        }
        for (int i = 0; i < lead; i++) {
            r = r.sum(0, false);
        }
        for (int i = 0; i < target.length; i++) {
            if (target[i] == 1 && r.shape[i] != 1) {
                r = r.sum(i, true);
            } else if (target[i] != r.shape[i]) {
                throw Shapes.mismatch("sumTo", "target", target, "a shape " + Shapes.str(shape) + " broadcasts from");
            }
        }
        return r;
    }

    // ------------------------------------------------------------------ matrix products

    /**
     * Matrix product. Shapes: {@code [m,k] x [k,n] -> [m,n]}; batched {@code [..., m, k] x [..., k, n]}
     * with equal leading dims; {@code [..., m, k] x [k, n]} applies one matrix to every row.
     */
    public NdArray matmul(NdArray other) {
        return matmul(other, false, false);
    }

    /**
     * Matrix product of {@code op(this)} and {@code op(other)}, where {@code op} transposes the last two
     * axes when its flag is set. This is the entry point the backward passes use, so no transposed copy
     * is ever made.
     */
    public NdArray matmul(NdArray other, boolean transA, boolean transB) {
        String op = "matmul";
        checkDType(op, other);
        if (shape.length < 2) {
            throw Shapes.mismatch(op, "a", shape, "rank >= 2 ([m, k] or [batch..., m, k])");
        }
        if (other.shape.length < 2) {
            throw Shapes.mismatch(op, "b", other.shape, "rank >= 2 ([k, n] or [batch..., k, n])");
        }
        int ra = shape.length, rb = other.shape.length;
        int m = transA ? shape[ra - 1] : shape[ra - 2], ka = transA ? shape[ra - 2] : shape[ra - 1];
        int kb = transB ? other.shape[rb - 1] : other.shape[rb - 2], n = transB ? other.shape[rb - 2] : other.shape[rb - 1];
        if (ka != kb) {
            throw new ShapeMismatchException(op + ": inner dimensions differ: a" + (transA ? "^T" : "") + " is ["
                    + m + ", " + ka + "] (a has shape " + Shapes.str(shape) + "), b" + (transB ? "^T" : "") + " is ["
                    + kb + ", " + n + "] (b has shape " + Shapes.str(other.shape) + "); a's columns must equal b's rows");
        }
        int k = ka;
        int lda = shape[ra - 1], ldb = other.shape[rb - 1];
        if (rb == 2 && !transA && ra > 2) {
            // [..., m, k] x [k, n]: fold the batch into the rows, one big product.
            int rows = outRows(shape);
            int[] os = shape.clone();
            os[ra - 1] = n;
            NdArray out = newArray(os);
            gemm(false, transB, rows, n, k, this, 0, lda, other, 0, ldb, out, 0, n);
            return out;
        }
        int batch = 1;
        int[] lead;
        if (ra == 2 && rb == 2) {
            lead = new int[0];
        } else if (rb == 2) {
            lead = Arrays.copyOf(shape, ra - 2);   // [..., k, m]ᵀ x [k, n]: the one matrix serves every batch
            batch = Shapes.size(lead);
        } else {
            if (ra != rb || !Arrays.equals(Arrays.copyOf(shape, ra - 2), Arrays.copyOf(other.shape, rb - 2))) {
                throw new ShapeMismatchException(op + ": batch dimensions differ: a has shape " + Shapes.str(shape)
                        + ", b has shape " + Shapes.str(other.shape)
                        + " (batched products need equal leading dimensions, or b of rank 2)");
            }
            lead = Arrays.copyOf(shape, ra - 2);
            batch = Shapes.size(lead);
        }
        int[] os = Arrays.copyOf(lead, lead.length + 2);
        os[lead.length] = m;
        os[lead.length + 1] = n;
        NdArray out = newArray(os);
        int sa = shape[ra - 1] * shape[ra - 2], sb = rb == 2 ? 0 : other.shape[rb - 1] * other.shape[rb - 2];
        for (int bi = 0; bi < batch; bi++) {
            gemm(transA, transB, m, n, k, this, bi * sa, lda, other, bi * sb, ldb, out, bi * m * n, n);
        }
        return out;
    }

    private static int outRows(int[] s) {
        int r = 1;
        for (int i = 0; i < s.length - 1; i++) r *= s[i];
        return r;
    }

    private static void gemm(boolean ta, boolean tb, int m, int n, int k, NdArray a, int aOff, int lda,
                             NdArray b, int bOff, int ldb, NdArray c, int cOff, int ldc) {
        if (m == 0 || n == 0 || k == 0) {
            return;   // c is freshly zeroed; BLAS would also reject the leading dimension 0 of an empty k
        }
        if (a.f != null) {
            Blas.sgemm(ta, tb, m, n, k, 1f, a.f, aOff, lda, b.f, bOff, ldb, 0f, c.f, cOff, ldc);
        } else {
            Blas.dgemm(ta, tb, m, n, k, 1.0, a.d, aOff, lda, b.d, bOff, ldb, 0.0, c.d, cOff, ldc);
        }
    }

    // ------------------------------------------------------------------ shape manipulation

    /**
     * The same elements with a new shape (one dimension may be -1 and is inferred). Shares storage with
     * this array, like PyTorch's {@code view}.
     */
    public NdArray reshape(int... newShape) {
        int[] s = newShape.clone();
        int infer = -1, known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("reshape: only one dimension may be -1, got " + Shapes.str(newShape));
                }
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("reshape: negative dimension in " + Shapes.str(newShape));
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || size % known != 0) {
                throw new ShapeMismatchException("reshape: cannot reshape " + Shapes.str(shape) + " (" + size
                        + " elements) to " + Shapes.str(newShape));
            }
            s[infer] = size / known;
        }
        if (Shapes.size(s) != size) {
            throw new ShapeMismatchException("reshape: cannot reshape " + Shapes.str(shape) + " (" + size
                    + " elements) to " + Shapes.str(newShape) + " (" + Shapes.size(s) + " elements)");
        }
        return new NdArray(dtype, s, f, d);
    }

    /** Transpose of a 2-D array (a copy). */
    public NdArray t() {
        if (shape.length != 2) {
            throw Shapes.mismatch("t", "input", shape, "rank 2 (use transpose(a, b) for higher ranks)");
        }
        return transpose(0, 1);
    }

    /** Swaps two axes (a copy). */
    public NdArray transpose(int axis0, int axis1) {
        int[] perm = new int[shape.length];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        int a = Shapes.axis("transpose", axis0, shape.length), b = Shapes.axis("transpose", axis1, shape.length);
        perm[a] = b;
        perm[b] = a;
        return permute(perm);
    }

    /** Reorders axes: result axis {@code i} is this array's axis {@code perm[i]} (a copy). */
    public NdArray permute(int... perm) {
        int r = shape.length;
        if (perm.length != r) {
            throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " has " + perm.length
                    + " axes, but the array has rank " + r);
        }
        boolean[] seen = new boolean[r];
        for (int p : perm) {
            if (p < 0 || p >= r || seen[p]) {
                throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " is not a permutation of 0.." + (r - 1));
            }
            seen[p] = true;
        }
        int[] os = new int[r];
        int[] st = Shapes.strides(shape);
        int[] ps = new int[r];
        for (int i = 0; i < r; i++) {
            os[i] = shape[perm[i]];
            ps[i] = st[perm[i]];
        }
        NdArray out = newArray(os);
        if (size == 0) {
            return out;
        }
        int[] idx = new int[r];
        int src = 0;
        for (int i = 0; i < size; i++) {
            out.setFlat(i, getFlat(src));
            for (int ax = r - 1; ax >= 0; ax--) {
                idx[ax]++;
                src += ps[ax];
                if (idx[ax] < os[ax]) break;
                src -= ps[ax] * os[ax];
                idx[ax] = 0;
            }
        }
        return out;
    }

    /** A copy broadcast to {@code target} (NumPy rules). */
    public NdArray broadcastTo(int... target) {
        int[] bs = Shapes.broadcast("broadcastTo", shape, target);
        if (!Arrays.equals(bs, target)) {
            throw Shapes.mismatch("broadcastTo", "input", shape, "a shape that broadcasts to " + Shapes.str(target));
        }
        return zeros(dtype, target).add(this);
    }

    /** Elements {@code [start, end)} along {@code axis} (a copy). */
    public NdArray slice(int axis, int start, int end) {
        int a = Shapes.axis("slice", axis, shape.length);
        if (start < 0 || end > shape[a] || start > end) {
            throw new IndexOutOfBoundsException("slice: range [" + start + ", " + end + ") is out of bounds for axis "
                    + axis + " of shape " + Shapes.str(shape));
        }
        int[] os = shape.clone();
        os[a] = end - start;
        NdArray out = newArray(os);
        int inner = 1;
        for (int i = a + 1; i < shape.length; i++) inner *= shape[i];
        int outer = 1;
        for (int i = 0; i < a; i++) outer *= shape[i];
        int chunk = (end - start) * inner;
        for (int o = 0; o < outer; o++) {
            System.arraycopy(storage(), (o * shape[a] + start) * inner, out.storage(), o * chunk, chunk);
        }
        return out;
    }

    /** The sub-array at {@code index} along {@code axis}, with that axis removed. */
    public NdArray select(int axis, int index) {
        int a = Shapes.axis("select", axis, shape.length);
        if (index < 0 || index >= shape[a]) {
            throw new IndexOutOfBoundsException("select: index " + index + " is out of bounds for axis " + axis
                    + " of shape " + Shapes.str(shape));
        }
        return slice(a, index, index + 1).reshape(reducedShape(a, false));
    }

    /** Joins arrays along an existing axis; all other dimensions must match. */
    public static NdArray concat(int axis, NdArray... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("concat: needs at least one array");
        }
        NdArray first = parts[0];
        int a = Shapes.axis("concat", axis, first.shape.length);
        int total = 0;
        for (int p = 0; p < parts.length; p++) {
            NdArray x = parts[p];
            first.checkDType("concat", x);
            boolean ok = x.shape.length == first.shape.length;
            for (int i = 0; ok && i < x.shape.length; i++) {
                ok = i == a || x.shape[i] == first.shape[i];
            }
            if (!ok) {
                int[] exp = first.shape.clone();
                exp[a] = -1;
                throw Shapes.mismatch("concat", "part " + p, x.shape, Shapes.str(exp).replace("-1", "*")
                        + " (all dimensions but axis " + a + " must match part 0)");
            }
            total += x.shape[a];
        }
        int[] os = first.shape.clone();
        os[a] = total;
        NdArray out = first.newArray(os);
        int inner = 1;
        for (int i = a + 1; i < os.length; i++) inner *= os[i];
        int outer = 1;
        for (int i = 0; i < a; i++) outer *= os[i];
        int off = 0;
        for (NdArray x : parts) {
            int chunk = x.shape[a] * inner;
            for (int o = 0; o < outer; o++) {
                System.arraycopy(x.storage(), o * chunk, out.storage(), o * total * inner + off, chunk);
            }
            off += chunk;
        }
        return out;
    }

    /** Stacks equally shaped arrays along a new axis. */
    public static NdArray stack(int axis, NdArray... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("stack: needs at least one array");
        }
        int r = parts[0].shape.length;
        int a = Shapes.axis("stack", axis, r + 1);
        NdArray[] expanded = new NdArray[parts.length];
        for (int p = 0; p < parts.length; p++) {
            if (!Arrays.equals(parts[p].shape, parts[0].shape)) {
                throw Shapes.mismatch("stack", "part " + p, parts[p].shape, Shapes.str(parts[0].shape) + " like part 0");
            }
            int[] s = new int[r + 1];
            for (int i = 0, j = 0; i <= r; i++) s[i] = i == a ? 1 : parts[p].shape[j++];
            expanded[p] = parts[p].reshape(s);
        }
        return concat(a, expanded);
    }

    /** Splits along {@code axis} into parts of the given sizes (they must add up to the axis length). */
    public NdArray[] split(int axis, int... sizes) {
        int a = Shapes.axis("split", axis, shape.length);
        int sum = 0;
        for (int s : sizes) {
            if (s < 0) throw new IllegalArgumentException("split: negative part size in " + Arrays.toString(sizes));
            sum += s;
        }
        if (sum != shape[a]) {
            throw new ShapeMismatchException("split: part sizes " + Arrays.toString(sizes) + " add up to " + sum
                    + ", but axis " + axis + " of shape " + Shapes.str(shape) + " has " + shape[a]);
        }
        NdArray[] out = new NdArray[sizes.length];
        int start = 0;
        for (int i = 0; i < sizes.length; i++) {
            out[i] = slice(a, start, start + sizes[i]);
            start += sizes[i];
        }
        return out;
    }

    /** Splits along {@code axis} into {@code n} equal parts. */
    public NdArray[] chunk(int n, int axis) {
        int a = Shapes.axis("chunk", axis, shape.length);
        if (n <= 0 || shape[a] % n != 0) {
            throw new ShapeMismatchException("chunk: axis " + axis + " of shape " + Shapes.str(shape) + " (size "
                    + shape[a] + ") cannot be split into " + n + " equal parts");
        }
        int[] sizes = new int[n];
        Arrays.fill(sizes, shape[a] / n);
        return split(a, sizes);
    }

    // ------------------------------------------------------------------ gather / scatter

    /**
     * Row lookup: for a table of shape {@code [V, D...]}, returns the rows named by {@code indices}, shaped
     * {@code indexShape + [D...]} (an embedding lookup).
     */
    public NdArray take(int[] indices, int... indexShape) {
        if (shape.length < 1) {
            throw Shapes.mismatch("take", "table", shape, "rank >= 1 ([rows, ...])");
        }
        if (Shapes.size(indexShape) != indices.length) {
            throw new IllegalArgumentException("take: index shape " + Shapes.str(indexShape) + " holds "
                    + Shapes.size(indexShape) + " indices, but " + indices.length + " were given");
        }
        int rows = shape[0], row = rows == 0 ? 0 : size / rows;
        int[] os = new int[indexShape.length + shape.length - 1];
        System.arraycopy(indexShape, 0, os, 0, indexShape.length);
        System.arraycopy(shape, 1, os, indexShape.length, shape.length - 1);
        NdArray out = newArray(os);
        for (int i = 0; i < indices.length; i++) {
            int ix = indices[i];
            if (ix < 0 || ix >= rows) {
                throw new IndexOutOfBoundsException("take: index " + ix + " at position " + i
                        + " is out of range for a table with " + rows + " rows (valid: 0.." + (rows - 1) + ")");
            }
            System.arraycopy(storage(), ix * row, out.storage(), i * row, row);
        }
        return out;
    }

    /** Adds each row of {@code src} ({@code [n, D...]}, flattened over the index shape) into row {@code indices[i]} of this table, in place. */
    public NdArray indexAddInPlace(int[] indices, NdArray src) {
        checkDType("indexAdd", src);
        if (shape.length < 1) {
            throw Shapes.mismatch("indexAdd", "table", shape, "rank >= 1 ([rows, ...])");
        }
        int rows = shape[0], row = rows == 0 ? 0 : size / rows;
        if (src.size != indices.length * row) {
            throw Shapes.mismatch("indexAdd", "src", src.shape, indices.length + " rows of " + row + " elements");
        }
        for (int i = 0; i < indices.length; i++) {   // all checked before any row is written
            if (indices[i] < 0 || indices[i] >= rows) {
                throw new IndexOutOfBoundsException("indexAdd: index " + indices[i] + " at position " + i
                        + " is out of range for a table with " + rows + " rows (valid: 0.." + (rows - 1) + ")");
            }
        }
        for (int i = 0; i < indices.length; i++) {
            int base = indices[i] * row, sb = i * row;
            if (f != null) {
                for (int j = 0; j < row; j++) f[base + j] += src.f[sb + j];
            } else {
                for (int j = 0; j < row; j++) d[base + j] += src.d[sb + j];
            }
        }
        return this;
    }

    /** For a {@code [N, C]} array, element {@code [i, labels[i]]} of every row, as a {@code [N]} array. */
    public NdArray pick(int[] labels) {
        if (shape.length != 2) {
            throw Shapes.mismatch("pick", "input", shape, "[N, C]");
        }
        int n = shape[0], c = shape[1];
        if (labels.length != n) {
            throw new ShapeMismatchException("pick: " + labels.length + " labels given for " + n + " rows");
        }
        NdArray out = newArray(n);
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= c) {
                throw new IndexOutOfBoundsException("pick: label " + labels[i] + " at row " + i
                        + " is out of range for " + c + " classes (valid: 0.." + (c - 1) + ")");
            }
            out.setFlat(i, getFlat(i * c + labels[i]));
        }
        return out;
    }

    // ------------------------------------------------------------------ in place (optimizers)

    /** {@code this += other} (same shape), in place; returns this. */
    public NdArray addInPlace(NdArray other) { return axpyInPlace(1, other); }

    /** {@code this -= other} (same shape), in place; returns this. */
    public NdArray subInPlace(NdArray other) { return axpyInPlace(-1, other); }

    /** {@code this += alpha * other} (same shape), in place; returns this. */
    public NdArray axpyInPlace(double alpha, NdArray other) {
        checkSame("axpyInPlace", other);
        if (f != null) {
            float a = (float) alpha;
            for (int i = 0; i < size; i++) f[i] += a * other.f[i];
        } else {
            for (int i = 0; i < size; i++) d[i] += alpha * other.d[i];
        }
        return this;
    }

    /** {@code this *= other} elementwise (same shape), in place; returns this. */
    public NdArray mulInPlace(NdArray other) {
        checkSame("mulInPlace", other);
        if (f != null) {
            for (int i = 0; i < size; i++) f[i] *= other.f[i];
        } else {
            for (int i = 0; i < size; i++) d[i] *= other.d[i];
        }
        return this;
    }

    /** {@code this *= s}, in place; returns this. */
    public NdArray mulInPlace(double s) {
        if (f != null) {
            float fs = (float) s;
            for (int i = 0; i < size; i++) f[i] *= fs;
        } else {
            for (int i = 0; i < size; i++) d[i] *= s;
        }
        return this;
    }

    /** Sets every element to {@code v}; returns this. */
    public NdArray fillInPlace(double v) {
        if (f != null) {
            Arrays.fill(f, (float) v);
        } else {
            Arrays.fill(d, v);
        }
        return this;
    }

    /** Clamps every element to {@code [lo, hi]} in place; returns this. */
    public NdArray clampInPlace(double lo, double hi) {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("clamp: lo must be <= hi, got lo=" + lo + ", hi=" + hi);
        }
        for (int i = 0; i < size; i++) {
            setFlat(i, Math.min(hi, Math.max(lo, getFlat(i))));
        }
        return this;
    }

    /** Copies {@code src} (same shape; converted if its dtype differs) into this array; returns this. */
    public NdArray copyFrom(NdArray src) {
        if (!Arrays.equals(shape, src.shape)) {
            throw Shapes.mismatch("copyFrom", "src", src.shape, Shapes.str(shape));
        }
        NdArray s = src.to(dtype);
        System.arraycopy(s.storage(), 0, storage(), 0, size);
        return this;
    }

    private void checkSame(String op, NdArray other) {
        checkDType(op, other);
        if (!Arrays.equals(shape, other.shape)) {
            throw Shapes.mismatch(op, "other", other.shape, Shapes.str(shape));
        }
    }

    // ------------------------------------------------------------------ comparison and printing

    /** Sum of squares of all elements (in double). */
    public double sumOfSquares() {
        double s = 0;
        if (f != null) {
            for (int i = 0; i < size; i++) s += (double) f[i] * f[i];
        } else {
            for (int i = 0; i < size; i++) s += d[i] * d[i];
        }
        return s;
    }

    /** True when every element is finite (no NaN or infinity). */
    public boolean allFinite() {
        for (int i = 0; i < size; i++) {
            if (!Double.isFinite(getFlat(i))) return false;
        }
        return true;
    }

    /** Largest absolute elementwise difference to {@code other} (same shape, any dtype). */
    public double maxAbsDiff(NdArray other) {
        if (!Arrays.equals(shape, other.shape)) {
            throw Shapes.mismatch("maxAbsDiff", "other", other.shape, Shapes.str(shape));
        }
        double m = 0;
        for (int i = 0; i < size; i++) {
            double diff = Math.abs(getFlat(i) - other.getFlat(i));
            if (Double.isNaN(diff)) {
                return diff;   // a NaN anywhere is the largest difference
            }
            if (diff > m) m = diff;
        }
        return m;
    }

    /** True when shapes are equal and {@code |a - b| <= atol + rtol * |b|} for every element. */
    public boolean allClose(NdArray other, double rtol, double atol) {
        if (!Arrays.equals(shape, other.shape)) return false;
        for (int i = 0; i < size; i++) {
            double a = getFlat(i), b = other.getFlat(i);
            if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) return false;
        }
        return true;
    }

    /** A readable rendering: dtype, shape and the values (long dimensions are elided with "..."). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("NdArray(").append(dtype).append(", ").append(Shapes.str(shape)).append(")");
        if (size <= 100_000) {
            sb.append('\n');
            render(sb, 0, 0, 0);
        }
        return sb.toString();
    }

    private void render(StringBuilder sb, int axis, int offset, int indent) {
        if (shape.length == 0) {
            sb.append(fmt(getFlat(0)));
            return;
        }
        int n = shape[axis];
        int stride = 1;
        for (int i = axis + 1; i < shape.length; i++) stride *= shape[i];
        sb.append('[');
        for (int i = 0; i < n; i++) {
            if (n > 10 && i == 3) {
                sb.append(axis == shape.length - 1 ? "..., " : "...,\n" + " ".repeat(indent + 1));
                i = n - 3;
            }
            if (axis == shape.length - 1) {
                sb.append(fmt(getFlat(offset + i)));
            } else {
                render(sb, axis + 1, offset + i * stride, indent + 1);
            }
            if (i < n - 1) {
                sb.append(axis == shape.length - 1 ? ", " : ",\n" + " ".repeat(indent + 1));
            }
        }
        sb.append(']');
    }

    private static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e6) {
            return String.format(Locale.ROOT, "%.1f", v);   // ROOT: "1.0", never "1,0"
        }
        return String.format(Locale.ROOT, "%.4g", v);
    }
}
