package dev.jrnn.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

import java.util.ArrayList;
import java.util.List;

/**
 * One node while it runs: its inputs (null where an optional input is absent), typed attribute access, and
 * {@link #fail} for errors that name the file, the node, its op type and the opset.
 */
final class Node {
    final NodeProto proto;
    final String file;
    final int opset;
    final OnnxValue[] in;

    Node(NodeProto proto, String file, int opset, OnnxValue[] in) {
        this.proto = proto;
        this.file = file;
        this.opset = opset;
        this.in = in;
    }

    String op() { return proto.getOpType(); }

    /** {@code "model.onnx: node 'lstm1' (LSTM, opset 14)"}. */
    String where() {
        return describe(file, proto, opset);
    }

    static String describe(String file, NodeProto p, int opset) {
        String name = p.getName().isEmpty() ? "#" + String.join(",", p.getOutputList()) : "'" + p.getName() + "'";
        return file + ": node " + name + " (" + p.getOpType() + ", opset " + opset + ")";
    }

    OnnxException fail(String what) {
        return new OnnxException(where() + ": " + what);
    }

    /** Input {@code i}, which must be present. */
    OnnxValue input(int i, String name) throws OnnxException {
        if (i >= in.length || in[i] == null) throw fail("input " + i + " (" + name + ") is missing");
        return in[i];
    }

    /** Input {@code i} or null when absent. */
    OnnxValue optional(int i) {
        return i < in.length ? in[i] : null;
    }

    /** A float input. */
    OnnxValue floatInput(int i, String name) throws OnnxException {
        OnnxValue v = input(i, name);
        if (!v.isFloat()) throw fail("input " + name + " must be float or double, found " + v);
        return v;
    }

    /** The elements of an integer input (shape operands: axes, starts, shape, ...). */
    long[] ints(int i, String name) throws OnnxException {
        OnnxValue v = input(i, name);
        if (v.isFloat()) throw fail("input " + name + " must be an integer tensor, found " + v);
        return v.longs();
    }

    AttributeProto attr(String name) {
        for (AttributeProto a : proto.getAttributeList()) if (a.getName().equals(name)) return a;
        return null;
    }

    boolean has(String name) { return attr(name) != null; }

    long i(String name, long dflt) throws OnnxException {
        AttributeProto a = attr(name);
        if (a == null) return dflt;
        if (a.getType() != AttributeProto.AttributeType.INT) throw fail("attribute " + name + " must be an int, found " + a.getType());
        return a.getI();
    }

    float f(String name, float dflt) throws OnnxException {
        AttributeProto a = attr(name);
        if (a == null) return dflt;
        if (a.getType() != AttributeProto.AttributeType.FLOAT) throw fail("attribute " + name + " must be a float, found " + a.getType());
        return a.getF();
    }

    String s(String name, String dflt) throws OnnxException {
        AttributeProto a = attr(name);
        if (a == null) return dflt;
        if (a.getType() != AttributeProto.AttributeType.STRING) throw fail("attribute " + name + " must be a string, found " + a.getType());
        return a.getS().toStringUtf8();
    }

    long[] ints(String name) throws OnnxException {
        AttributeProto a = attr(name);
        if (a == null) return null;
        if (a.getType() != AttributeProto.AttributeType.INTS) throw fail("attribute " + name + " must be ints, found " + a.getType());
        long[] out = new long[a.getIntsCount()];
        for (int k = 0; k < out.length; k++) out[k] = a.getInts(k);
        return out;
    }

    List<String> strings(String name) throws OnnxException {
        AttributeProto a = attr(name);
        if (a == null) return null;
        if (a.getType() != AttributeProto.AttributeType.STRINGS) throw fail("attribute " + name + " must be strings, found " + a.getType());
        List<String> out = new ArrayList<>();
        for (int k = 0; k < a.getStringsCount(); k++) out.add(a.getStrings(k).toStringUtf8());
        return out;
    }

    /** An axis attribute or operand in {@code [-rank, rank)}, made non-negative. */
    int axis(long axis, int rank, String what) throws OnnxException {
        if (axis < -rank || axis >= rank) throw fail(what + " " + axis + " is out of range for rank " + rank);
        return (int) (axis < 0 ? axis + rank : axis);
    }
}
