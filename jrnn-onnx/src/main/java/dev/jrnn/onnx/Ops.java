package dev.jrnn.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.ShapeMismatchException;
import dev.jrnn.tensor.Shapes;

import java.util.Arrays;
import java.util.Set;

/**
 * The operators that exporters put around recurrent nodes, on {@link OnnxValue}s: float maths on jrnn
 * {@link NdArray}s, shape bookkeeping (shapes, axes, ids) on {@code long}s. Semantics as in the ONNX operator
 * specification, including the opset-dependent ones (axes as attributes before opset 13 and as inputs from 13 on;
 * {@code Slice} attributes before 10; {@code Softmax} over the flattened trailing axes before 13).
 */
final class Ops {
    /** Every op type this class runs (the recurrent ones are in {@link RecurrentOps}). */
    static final Set<String> SUPPORTED = Set.of("Identity", "Dropout", "Constant", "Cast", "Shape", "ConstantOfShape",
            "Gather", "Unsqueeze", "Squeeze", "Concat", "Transpose", "Reshape", "Flatten", "Slice", "Expand", "Add", "Sub",
            "Mul", "Div", "MatMul", "Gemm", "Sigmoid", "Tanh", "Relu", "Softmax", "LogSoftmax");

    /**
     * The most elements an operator may create from a shape operand ({@code ConstantOfShape}, {@code Expand}):
     * 2^28 (1 GiB of floats), so that a damaged shape cannot ask for gigabytes.
     */
    static final long MAX_CREATED = 1L << 28;

    private Ops() {}

    /** Runs one node; returns its outputs in order (the ones this op computes). */
    static OnnxValue[] run(Node n) throws OnnxException {
        switch (n.op()) {
            case "Identity": return one(n.input(0, "input"));
            case "Dropout": return one(n.input(0, "data"));   // inference: the identity; the optional mask is not produced
            case "Constant": return one(constant(n));
            case "Cast": return one(cast(n, n.input(0, "input"), (int) n.i("to", -1)));
            case "Shape": return one(shape(n));
            case "ConstantOfShape": return one(constantOfShape(n));
            case "Gather": return one(gather(n));
            case "Unsqueeze": return one(unsqueeze(n));
            case "Squeeze": return one(squeeze(n));
            case "Concat": return one(concat(n));
            case "Transpose": return one(transpose(n));
            case "Reshape": return one(reshape(n));
            case "Flatten": return one(flatten(n));
            case "Slice": return one(slice(n));
            case "Expand": return one(expand(n));
            case "Add": case "Sub": case "Mul": case "Div": return one(binary(n));
            case "MatMul": return one(matmul(n));
            case "Gemm": return one(gemm(n));
            case "Sigmoid": return one(OnnxValue.of(n.floatInput(0, "X").array().sigmoid()).reshape(n.in[0].shapeRef()));
            case "Tanh": return one(OnnxValue.of(n.floatInput(0, "X").array().tanh()).reshape(n.in[0].shapeRef()));
            case "Relu": return one(OnnxValue.of(n.floatInput(0, "X").array().relu()).reshape(n.in[0].shapeRef()));
            case "Softmax": return one(softmax(n, false));
            case "LogSoftmax": return one(softmax(n, true));
            default: throw new IllegalStateException("not an Ops op: " + n.op());
        }
    }

    private static OnnxValue[] one(OnnxValue v) {
        return new OnnxValue[] {v};
    }

    // ------------------------------------------------------------------ constants and types

    private static OnnxValue constant(Node n) throws OnnxException {
        AttributeProto a = n.attr("value");
        if (a != null) return OnnxTensors.read(a.getT(), n.where() + ": attribute value");
        if (n.has("value_float")) return OnnxValue.ofFloats(NdArray.of(new float[] {n.f("value_float", 0)}, 1), new int[0]);
        if (n.has("value_int")) return OnnxValue.ofLongs(new long[] {n.i("value_int", 0)});
        long[] ints = n.ints("value_ints");
        if (ints != null) return OnnxValue.ofLongs(ints, ints.length);
        AttributeProto fl = n.attr("value_floats");
        if (fl != null) {
            float[] f = new float[fl.getFloatsCount()];
            for (int k = 0; k < f.length; k++) f[k] = fl.getFloats(k);
            return OnnxValue.of(NdArray.of(f, f.length));
        }
        throw n.fail("needs one of the attributes value, value_float, value_floats, value_int, value_ints "
                + "(sparse and string constants are not supported)");
    }

    static OnnxValue cast(Node n, OnnxValue x, int to) throws OnnxException {
        int count = x.size();
        if (to == OnnxValue.FLOAT || to == OnnxValue.DOUBLE) {
            DType d = to == OnnxValue.FLOAT ? DType.FLOAT32 : DType.FLOAT64;
            NdArray out;
            if (x.isFloat()) {
                out = x.array().to(d);
            } else {
                out = NdArray.zeros(d, OnnxTensors.flat(x.shapeRef()));
                long[] l = x.longs();
                for (int i = 0; i < count; i++) out.setFlat(i, l[i]);
            }
            return OnnxValue.ofFloats(out.reshape(OnnxTensors.flat(x.shapeRef())), x.shapeRef());
        }
        if (OnnxTensors.elemSize(to) == 0) {
            throw n.fail("cannot cast to " + OnnxValue.typeName(to) + " (jrnn casts to float, double and integer types)");
        }
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            double v = x.getFlat(i);
            long w = x.isFloat() ? (long) v : x.longs()[i];   // float -> int truncates toward zero
            switch (to) {
                case OnnxValue.INT32: w = (int) w; break;
                case OnnxValue.INT16: w = (short) w; break;
                case OnnxValue.INT8: w = (byte) w; break;
                case OnnxValue.UINT8: w = w & 0xff; break;
                case OnnxValue.UINT16: w = w & 0xffff; break;
                case OnnxValue.UINT32: w = w & 0xffffffffL; break;
                case OnnxValue.BOOL: w = (x.isFloat() ? v != 0 : w != 0) ? 1 : 0; break;
                default: break;
            }
            out[i] = w;
        }
        return OnnxValue.ofInts(to, out, x.shapeRef());
    }

    private static OnnxValue shape(Node n) throws OnnxException {
        int[] s = n.input(0, "data").shapeRef();
        int r = s.length;
        long start = n.i("start", 0), end = n.i("end", r);
        int a = (int) Math.max(0, Math.min(r, start < 0 ? start + r : start));
        int b = (int) Math.max(0, Math.min(r, end < 0 ? end + r : end));
        long[] out = new long[Math.max(0, b - a)];
        for (int i = a; i < b; i++) out[i - a] = s[i];
        return OnnxValue.ofLongs(out, out.length);
    }

    private static OnnxValue constantOfShape(Node n) throws OnnxException {
        int[] shape = dims(n, n.ints(0, "input"), "input");
        AttributeProto a = n.attr("value");
        OnnxValue fill = a == null ? OnnxValue.ofFloats(NdArray.of(new float[] {0}, 1), new int[0])
                : OnnxTensors.read(a.getT(), n.where() + ": attribute value");
        if (fill.size() != 1) throw n.fail("attribute value must hold one element, found " + fill);
        int count = OnnxValue.count(shape);
        return fill.gather(new int[count], shape);
    }

    /** An operand holding dimensions, checked to be non-negative and to fit an array. */
    private static int[] dims(Node n, long[] l, String name) throws OnnxException {
        int[] out = new int[l.length];
        long total = 1;
        for (int i = 0; i < l.length; i++) {
            if (l[i] < 0 || l[i] > Integer.MAX_VALUE) throw n.fail(name + " " + Arrays.toString(l) + " has a bad dimension " + l[i]);
            total *= Math.max(1, l[i]);
            if (total > MAX_CREATED) {
                throw n.fail(name + " " + Arrays.toString(l) + " asks for more than " + MAX_CREATED + " elements (damaged shape?)");
            }
            out[i] = (int) l[i];
        }
        return out;
    }

    // ------------------------------------------------------------------ indexing and shapes

    private static OnnxValue gather(Node n) throws OnnxException {
        OnnxValue data = n.input(0, "data");
        long[] idx = n.ints(1, "indices");
        int[] ds = data.shapeRef(), is = n.in[1].shapeRef();
        int axis = n.axis(n.i("axis", 0), ds.length, "axis");
        int dim = ds[axis];
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= ds[i];
        for (int i = axis + 1; i < ds.length; i++) inner *= ds[i];
        int[] os = new int[ds.length - 1 + is.length];
        System.arraycopy(ds, 0, os, 0, axis);
        System.arraycopy(is, 0, os, axis, is.length);
        System.arraycopy(ds, axis + 1, os, axis + is.length, ds.length - axis - 1);
        int[] map = new int[outer * idx.length * inner];
        int j = 0;
        for (int o = 0; o < outer; o++) {
            for (long raw : idx) {
                long k = raw < 0 ? raw + dim : raw;
                if (k < 0 || k >= dim) {
                    throw n.fail("index " + raw + " is out of range for axis " + axis + " of size " + dim + " (data " + data + ")");
                }
                int base = (o * dim + (int) k) * inner;
                for (int i = 0; i < inner; i++) map[j++] = base + i;
            }
        }
        return data.gather(map, os);
    }

    private static long[] axesOf(Node n, int inputIndex) throws OnnxException {
        if (n.opset >= 13) {
            OnnxValue v = n.optional(inputIndex);
            return v == null ? null : n.ints(inputIndex, "axes");
        }
        return n.ints("axes");
    }

    private static OnnxValue unsqueeze(Node n) throws OnnxException {
        OnnxValue x = n.input(0, "data");
        long[] axes = axesOf(n, 1);
        if (axes == null) throw n.fail("needs axes");
        int r = x.rank() + axes.length;
        boolean[] added = new boolean[r];
        for (long a : axes) {
            int k = n.axis(a, r, "axis");
            if (added[k]) throw n.fail("axis " + a + " is given twice");
            added[k] = true;
        }
        int[] s = new int[r];
        for (int i = 0, j = 0; i < r; i++) s[i] = added[i] ? 1 : x.shapeRef()[j++];
        return x.reshape(s);
    }

    private static OnnxValue squeeze(Node n) throws OnnxException {
        OnnxValue x = n.input(0, "data");
        int[] xs = x.shapeRef();
        long[] axes = axesOf(n, 1);
        boolean[] drop = new boolean[xs.length];
        if (axes == null) {
            for (int i = 0; i < xs.length; i++) drop[i] = xs[i] == 1;
        } else {
            for (long a : axes) {
                int k = n.axis(a, xs.length, "axis");
                if (xs[k] != 1) throw n.fail("cannot squeeze axis " + a + " of " + x + ": its size is not 1");
                drop[k] = true;
            }
        }
        int[] s = new int[xs.length];
        int j = 0;
        for (int i = 0; i < xs.length; i++) if (!drop[i]) s[j++] = xs[i];
        return x.reshape(Arrays.copyOf(s, j));
    }

    private static OnnxValue concat(Node n) throws OnnxException {
        if (n.in.length == 0) throw n.fail("needs at least one input");
        OnnxValue first = n.input(0, "inputs[0]");
        int r = first.rank();
        int axis = n.axis(n.i("axis", Long.MIN_VALUE), r, "axis");
        int[] os = first.shape();
        os[axis] = 0;
        for (int k = 0; k < n.in.length; k++) {
            OnnxValue v = n.input(k, "inputs[" + k + "]");
            int[] s = v.shapeRef();
            boolean ok = s.length == r && v.elemType() == first.elemType();
            for (int i = 0; ok && i < r; i++) ok = i == axis || s[i] == first.shapeRef()[i];
            if (!ok) throw n.fail("input " + k + " is " + v + ", which does not concatenate with " + first + " on axis " + axis);
            os[axis] += s[axis];
        }
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= os[i];
        for (int i = axis + 1; i < r; i++) inner *= os[i];
        // The result as a gather from the parts laid end to end.
        int[] offset = new int[n.in.length];
        for (int k = 1; k < n.in.length; k++) offset[k] = offset[k - 1] + n.in[k - 1].size();
        OnnxValue all = joined(n.in);
        int[] map = new int[OnnxValue.count(os)];
        int j = 0;
        for (int o = 0; o < outer; o++) {
            for (int k = 0; k < n.in.length; k++) {
                int chunk = n.in[k].shapeRef()[axis] * inner;
                for (int i = 0; i < chunk; i++) map[j++] = offset[k] + o * chunk + i;
            }
        }
        return all.gather(map, os);
    }

    /** The parts' elements one after the other, as one flat value of their type. */
    private static OnnxValue joined(OnnxValue[] parts) {
        int total = 0;
        for (OnnxValue p : parts) total += p.size();
        if (parts[0].isFloat()) {
            NdArray[] flat = new NdArray[parts.length];
            for (int k = 0; k < parts.length; k++) flat[k] = parts[k].array().reshape(parts[k].size());
            return OnnxValue.of(NdArray.concat(0, flat));
        }
        long[] out = new long[total];
        int at = 0;
        for (OnnxValue p : parts) {
            System.arraycopy(p.longs(), 0, out, at, p.size());
            at += p.size();
        }
        return OnnxValue.ofInts(parts[0].elemType(), out, total);
    }

    private static OnnxValue transpose(Node n) throws OnnxException {
        OnnxValue x = n.input(0, "data");
        int r = x.rank();
        long[] permAttr = n.ints("perm");
        int[] perm = new int[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            long p = permAttr == null ? r - 1 - i : permAttr[i];
            if (permAttr != null && permAttr.length != r || p < 0 || p >= r || seen[(int) p]) {
                throw n.fail("perm " + Arrays.toString(permAttr) + " is not a permutation of the " + r + " axes of " + x);
            }
            seen[(int) p] = true;
            perm[i] = (int) p;
        }
        return permute(x, perm);
    }

    static OnnxValue permute(OnnxValue x, int[] perm) {
        int[] xs = x.shapeRef(), st = Shapes.strides(xs);
        int r = xs.length;
        int[] os = new int[r], ost = new int[r];
        for (int i = 0; i < r; i++) {
            os[i] = xs[perm[i]];
            ost[i] = st[perm[i]];
        }
        int[] map = new int[x.size()];
        int[] idx = new int[r];
        for (int j = 0, src = 0; j < map.length; j++) {
            map[j] = src;
            for (int a = r - 1; a >= 0; a--) {   // odometer over the output index
                idx[a]++;
                src += ost[a];
                if (idx[a] < os[a]) break;
                src -= ost[a] * os[a];
                idx[a] = 0;
            }
        }
        return x.gather(map, os);
    }

    private static OnnxValue reshape(Node n) throws OnnxException {
        OnnxValue x = n.input(0, "data");
        long[] target = n.opset >= 5 ? n.ints(1, "shape") : n.ints("shape");
        if (target == null) throw n.fail("needs a shape");
        boolean allowZero = n.i("allowzero", 0) == 1;
        int[] s = new int[target.length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.length; i++) {
            long d = target[i];
            if (d == 0 && !allowZero) {
                if (i >= x.rank()) throw n.fail("shape " + Arrays.toString(target) + " copies dimension " + i + " that " + x + " lacks");
                d = x.shapeRef()[i];
            }
            if (d == -1) {
                if (infer >= 0) throw n.fail("shape " + Arrays.toString(target) + " has -1 twice");
                infer = i;
                continue;
            }
            if (d < 0 || d > Integer.MAX_VALUE) throw n.fail("shape " + Arrays.toString(target) + " has a bad dimension " + d);
            s[i] = (int) d;
            known *= d;
        }
        if (infer >= 0) {
            if (known == 0 || x.size() % known != 0) {
                throw n.fail("cannot reshape " + x + " to " + Arrays.toString(target));
            }
            s[infer] = (int) (x.size() / known);
        } else if (known != x.size()) {
            throw n.fail("cannot reshape " + x + " (" + x.size() + " elements) to " + Arrays.toString(target));
        }
        return x.reshape(s);
    }

    private static OnnxValue flatten(Node n) throws OnnxException {
        OnnxValue x = n.input(0, "input");
        int r = x.rank();
        long a = n.i("axis", 1);
        int axis = a == r ? r : n.axis(a, r, "axis");
        int outer = 1;
        for (int i = 0; i < axis; i++) outer *= x.shapeRef()[i];
        return x.reshape(new int[] {outer, x.size() / Math.max(1, outer)});
    }

    private static OnnxValue slice(Node n) throws OnnxException {
        OnnxValue x = n.input(0, "data");
        int[] xs = x.shapeRef();
        long[] starts, ends, axes, steps = null;
        if (n.opset < 10) {
            starts = n.ints("starts");
            ends = n.ints("ends");
            axes = n.ints("axes");
        } else {
            starts = n.ints(1, "starts");
            ends = n.ints(2, "ends");
            axes = n.optional(3) == null ? null : n.ints(3, "axes");
            steps = n.optional(4) == null ? null : n.ints(4, "steps");
        }
        if (starts == null || ends == null || starts.length != ends.length
                || axes != null && axes.length != starts.length || steps != null && steps.length != starts.length) {
            throw n.fail("starts, ends, axes and steps must have one entry per sliced axis");
        }
        int r = xs.length;
        int[] begin = new int[r], step = new int[r], os = xs.clone();
        Arrays.fill(step, 1);
        for (int k = 0; k < starts.length; k++) {
            int a = n.axis(axes == null ? k : axes[k], r, "axis");
            long st = steps == null ? 1 : steps[k];
            if (st == 0) throw n.fail("steps must not be 0");
            long dim = xs[a];
            long s = starts[k] < 0 ? starts[k] + dim : starts[k];
            long e = ends[k] < 0 ? ends[k] + dim : ends[k];
            if (st > 0) {
                s = Math.max(0, Math.min(dim, s));
                e = Math.max(0, Math.min(dim, e));
                os[a] = (int) Math.max(0, (e - s + st - 1) / st);
            } else {
                s = Math.max(-1, Math.min(dim - 1, s));
                e = Math.max(-1, Math.min(dim - 1, e));
                os[a] = (int) Math.max(0, (s - e + (-st) - 1) / (-st));
            }
            begin[a] = (int) s;
            step[a] = (int) st;
        }
        int[] st = Shapes.strides(xs);
        int[] map = new int[OnnxValue.count(os)];
        int[] idx = new int[r];
        for (int j = 0; j < map.length; j++) {
            int src = 0;
            for (int a = 0; a < r; a++) src += (begin[a] + idx[a] * step[a]) * st[a];
            map[j] = src;
            for (int a = r - 1; a >= 0; a--) {
                if (++idx[a] < os[a]) break;
                idx[a] = 0;
            }
        }
        return x.gather(map, os);
    }

    private static OnnxValue expand(Node n) throws OnnxException {
        OnnxValue x = n.input(0, "input");
        int[] target = dims(n, n.ints(1, "shape"), "shape");
        int[] os = broadcast(n, x.shapeRef(), target);
        long count = 1;
        for (int d : os) count *= d;
        if (count > MAX_CREATED) throw n.fail("output " + Arrays.toString(os) + " would have more than " + MAX_CREATED + " elements");
        return x.gather(broadcastMap(x.shapeRef(), os), os);
    }

    /** Numpy broadcasting of two shapes. */
    static int[] broadcast(Node n, int[] a, int[] b) throws OnnxException {
        try {
            return Shapes.broadcast("Ops.broadcast", a, b);
        } catch (ShapeMismatchException e) {
            throw n.fail("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
        }
    }

    /** For each element of shape {@code out}, the flat index of the element of {@code in} that broadcasts to it. */
    private static int[] broadcastMap(int[] in, int[] out) {
        int r = out.length;
        int[] st = new int[r], ist = Shapes.strides(in);
        for (int i = 0; i < in.length; i++) {
            st[r - in.length + i] = in[i] == 1 ? 0 : ist[i];
        }
        int[] map = new int[OnnxValue.count(out)];
        int[] idx = new int[r];
        for (int j = 0; j < map.length; j++) {
            int src = 0;
            for (int a = 0; a < r; a++) src += idx[a] * st[a];
            map[j] = src;
            for (int a = r - 1; a >= 0; a--) {
                if (++idx[a] < out[a]) break;
                idx[a] = 0;
            }
        }
        return map;
    }

    // ------------------------------------------------------------------ arithmetic

    private static OnnxValue binary(Node n) throws OnnxException {
        OnnxValue a = n.input(0, "A"), b = n.input(1, "B");
        if (a.elemType() != b.elemType()) throw n.fail("inputs have different types: " + a + " and " + b);
        int[] os = broadcast(n, a.shapeRef(), b.shapeRef());
        if (a.isFloat()) {
            NdArray x = a.array(), y = b.array();
            NdArray z;
            switch (n.op()) {
                case "Add": z = x.add(y); break;
                case "Sub": z = x.sub(y); break;
                case "Mul": z = x.mul(y); break;
                default: z = x.div(y); break;
            }
            return OnnxValue.ofFloats(z.reshape(OnnxTensors.flat(os)), os);
        }
        int[] ma = broadcastMap(a.shapeRef(), os), mb = broadcastMap(b.shapeRef(), os);
        long[] la = a.longs(), lb = b.longs(), out = new long[ma.length];
        for (int j = 0; j < out.length; j++) {
            long p = la[ma[j]], q = lb[mb[j]];
            switch (n.op()) {
                case "Add": out[j] = p + q; break;
                case "Sub": out[j] = p - q; break;
                case "Mul": out[j] = p * q; break;
                default:
                    if (q == 0) throw n.fail("integer division by zero");
                    out[j] = p / q;
            }
        }
        return OnnxValue.ofInts(a.elemType(), out, os);
    }

    private static OnnxValue matmul(Node n) throws OnnxException {
        OnnxValue a = n.floatInput(0, "A"), b = n.floatInput(1, "B");
        int[] as = a.shapeRef(), bs = b.shapeRef();
        if (as.length == 0 || bs.length == 0) throw n.fail("inputs must have rank >= 1, found " + a + " and " + b);
        NdArray x = as.length == 1 ? a.array().reshape(1, as[0]) : a.array();
        NdArray y = bs.length == 1 ? b.array().reshape(bs[0], 1) : b.array();
        int k = x.dim(x.rank() - 1);
        if (y.dim(y.rank() - 2) != k || x.dtype() != y.dtype()) {
            throw n.fail("cannot multiply " + a + " by " + b + " (inner dimensions or types differ)");
        }
        NdArray z;
        if (y.rank() == 2) {                                   // [..., M, K] x [K, N]: one product
            int[] xs = x.shape();
            z = x.reshape(-1, k).matmul(y);
            int[] zs = xs.clone();
            zs[zs.length - 1] = y.dim(1);
            z = z.reshape(zs);
        } else {
            z = x.matmul(y);
        }
        int[] zs = z.shape();
        if (bs.length == 1) zs = Arrays.copyOf(zs, zs.length - 1);
        if (as.length == 1) {
            int[] t = new int[zs.length - 1];
            System.arraycopy(zs, 0, t, 0, zs.length - (bs.length == 1 ? 1 : 2));
            if (bs.length != 1) t[t.length - 1] = zs[zs.length - 1];
            zs = t;
        }
        return OnnxValue.ofFloats(z.reshape(OnnxTensors.flat(zs)), zs);
    }

    private static OnnxValue gemm(Node n) throws OnnxException {
        OnnxValue a = n.floatInput(0, "A"), b = n.floatInput(1, "B");
        if (a.rank() != 2 || b.rank() != 2) throw n.fail("A and B must be matrices, found " + a + " and " + b);
        boolean ta = n.i("transA", 0) != 0, tb = n.i("transB", 0) != 0;
        int k = a.shapeRef()[ta ? 0 : 1];
        if (b.shapeRef()[tb ? 1 : 0] != k) {
            throw n.fail("cannot multiply A " + a + (ta ? "ᵀ" : "") + " by B " + b + (tb ? "ᵀ" : ""));
        }
        NdArray y = a.array().matmul(b.array(), ta, tb);
        float alpha = n.f("alpha", 1f), beta = n.f("beta", 1f);
        if (alpha != 1f) y = y.mul(alpha);
        OnnxValue c = n.optional(2);
        if (c != null && beta != 0f) {
            NdArray cc = c.array();
            if (c.rank() == 0) cc = cc.reshape(1);
            broadcast(n, c.shapeRef(), y.shape());
            y = y.add(beta == 1f ? cc : cc.mul(beta));
        }
        return OnnxValue.of(y);
    }

    private static OnnxValue softmax(Node n, boolean log) throws OnnxException {
        OnnxValue x = n.floatInput(0, "input");
        int[] xs = x.shapeRef();
        int r = xs.length;
        boolean legacy = n.opset < 13;
        int axis = n.axis(n.i("axis", legacy ? 1 : -1), r, "axis");
        int outer = 1, len = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= xs[i];
        if (legacy) {                                        // over the flattened axes axis..r-1
            for (int i = axis; i < r; i++) len *= xs[i];
        } else {
            len = xs[axis];
            for (int i = axis + 1; i < r; i++) inner *= xs[i];
        }
        NdArray in = x.array(), out = in.zerosLike();
        for (int o = 0; o < outer; o++) {
            for (int q = 0; q < inner; q++) {
                int base = o * len * inner + q;
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int i = 0; i < len; i++) max = Math.max(max, in.getFlat(base + i * inner));
                for (int i = 0; i < len; i++) sum += Math.exp(in.getFlat(base + i * inner) - max);
                for (int i = 0; i < len; i++) {
                    double z = in.getFlat(base + i * inner) - max;
                    out.setFlat(base + i * inner, log ? z - Math.log(sum) : Math.exp(z) / sum);
                }
            }
        }
        return OnnxValue.ofFloats(out, xs);
    }
}
