#!/usr/bin/env python3
"""Generate independent golden fixtures for jrnn's recurrent layers.

numpy only. Re-implements the PyTorch (torch.nn.RNN/LSTM/GRU), Keras
(LSTM/GRU/SimpleRNN) and jrnn-specific (minimal GRU, peephole LSTM) equations
in float64, computes gradients of a random linear loss by central finite
differences over that forward, and writes one safetensors file per case into
jrnn-core/src/test/resources/golden/ plus index.json.

Usage:  python3 tools/golden/make_golden.py [--out DIR] [--only NAME_PREFIX]
        python3 tools/golden/make_golden.py --xlstm   (only xlstm/xlstm.safetensors: sLSTM, mLSTM)
        python3 tools/golden/make_golden.py --attention   (only attention/attention.safetensors)

The output is byte-for-byte deterministic for a given numpy version, on any x86-64 CPU (no BLAS, numpy's
baseline SIMD kernels). See tools/golden/README.md.
"""
import argparse
import hashlib
import json
import os
import sys
import subprocess
import zlib


def _baseline_simd_only():
    """Makes numpy run its baseline SIMD kernels, not the ones it picks for this CPU at import: numpy's exp, tanh
    and log round differently in the last bit under AVX2 and AVX-512 (seen with NPY_DISABLE_CPU_FEATURES), and the
    finite differences magnify that to ~1e-10, so the fixtures' bytes would depend on the machine. The list of
    dispatched features is read in a child process (importing numpy here would fix the choice). An
    NPY_DISABLE_CPU_FEATURES already set is left as it is."""
    if "NPY_DISABLE_CPU_FEATURES" in os.environ:
        return
    probe = ("try:\n    from numpy._core import _multiarray_umath as m\n"
             "except ImportError:\n    from numpy.core import _multiarray_umath as m\n"
             "print(','.join(f for f in m.__cpu_dispatch__ if m.__cpu_features__.get(f)))")
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    if found:
        os.environ["NPY_DISABLE_CPU_FEATURES"] = found


_baseline_simd_only()
import numpy as np  # noqa: E402  (after the SIMD choice above)

REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(REPO_ROOT, "jrnn-core", "src", "test", "resources", "golden")

FORMAT_VERSION = "1"
FD_EPS = 1e-6
INPUT_SIZE = 3
HIDDEN_SIZE = 4
PARAM_RANGE = 0.5          # parameters ~ U(-0.5, 0.5)
RELU_KINK_MARGIN = 1e-4    # min |pre-activation| required for FD through relu

# --------------------------------------------------------------------------
# safetensors writer / reader (written from the spec, no library)
# --------------------------------------------------------------------------
ST_DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"), "I8": np.dtype("i1"),
    "U64": np.dtype("<u8"), "U32": np.dtype("<u4"), "U16": np.dtype("<u2"), "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
NP_TO_ST = {np.dtype("float64"): "F64", np.dtype("float32"): "F32", np.dtype("int64"): "I64",
            np.dtype("int32"): "I32"}


def st_serialize(tensors, metadata):
    """tensors: list of (name, ndarray) in file order; metadata: dict str->str."""
    header = {}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError("safetensors metadata must be str->str: %r=%r" % (k, v))
        header["__metadata__"] = dict(metadata)
    blobs = []
    offset = 0
    for name, arr in tensors:
        if name in header:
            raise ValueError("duplicate tensor name " + name)
        arr = np.asarray(arr)
        st = NP_TO_ST[arr.dtype]
        data = np.ascontiguousarray(arr, dtype=ST_DTYPES[st]).tobytes(order="C")
        header[name] = {"dtype": st, "shape": [int(s) for s in arr.shape],
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    hjson = json.dumps(header, separators=(",", ":"), ensure_ascii=True).encode("utf-8")
    hjson += b" " * ((-len(hjson)) % 8)
    return len(hjson).to_bytes(8, "little") + hjson + b"".join(blobs)


def _no_dup_pairs(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError("duplicate JSON key %r" % k)
        d[k] = v
    return d


def st_parse(buf):
    """Parse and strictly validate a safetensors buffer.

    Returns (dict name->ndarray in header order, metadata dict or {}).
    Checks: header length fits, header is UTF-8 JSON object starting with '{',
    only trailing spaces as padding, header length multiple of 8 (what the
    reference writer does and what we promise), no duplicate keys, known
    dtypes, shape/offset consistency, tensors contiguous from 0 without gaps or
    overlap, data section fully covered, metadata values are strings.
    """
    if len(buf) < 8:
        raise ValueError("file too short")
    n = int.from_bytes(buf[:8], "little")
    if n > len(buf) - 8:
        raise ValueError("header length exceeds file")
    if n % 8 != 0:
        raise ValueError("header length %d not a multiple of 8" % n)
    raw = buf[8:8 + n]
    text = raw.decode("utf-8")
    if not text.startswith("{"):
        raise ValueError("header must start with '{'")
    stripped = text.rstrip(" ")
    if not stripped.endswith("}"):
        raise ValueError("header padding must be spaces after the JSON object")
    header = json.loads(stripped, object_pairs_hook=_no_dup_pairs)
    data = buf[8 + n:]
    meta = header.pop("__metadata__", {}) or {}
    for k, v in meta.items():
        if not isinstance(v, str):
            raise ValueError("metadata value for %r is not a string" % k)
    spans = []
    out = {}
    for name, info in header.items():
        if set(info.keys()) != {"dtype", "shape", "data_offsets"}:
            raise ValueError("bad tensor entry keys for %s: %s" % (name, sorted(info)))
        dt = ST_DTYPES[info["dtype"]]
        shape = tuple(info["shape"])
        if any((not isinstance(s, int)) or s < 0 for s in shape):
            raise ValueError("bad shape for " + name)
        b, e = info["data_offsets"]
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if e - b != count * dt.itemsize or b < 0 or e > len(data):
            raise ValueError("offsets/shape mismatch for " + name)
        spans.append((b, e, name))
        out[name] = np.frombuffer(data[b:e], dtype=dt).reshape(shape).copy()
    pos = 0
    for b, e, name in sorted(spans):
        if b != pos:
            raise ValueError("gap or overlap before tensor " + name)
        pos = e
    if pos != len(data):
        raise ValueError("data section has %d trailing bytes" % (len(data) - pos))
    return out, meta


# --------------------------------------------------------------------------
# reference forward (numpy, float64)
# --------------------------------------------------------------------------
def mm(a, b):
    """a @ b (the last axis of a against the first of b, or a vector) adding the products in a fixed order,
    k = 0, 1, 2, ..., by elementwise operations only. numpy's @ calls OpenBLAS, which picks its kernel for the CPU
    at run time, and the kernels add in different orders: with @ the fixtures' last bits (and the finite
    differences' ~1e-10) changed with OPENBLAS_CORETYPE. With mm they do not depend on the machine."""
    a, b = np.asarray(a), np.asarray(b)
    col = (lambda k: a[..., k]) if b.ndim == 1 else (lambda k: a[..., k, None])   # times row k of b
    acc = col(0) * b[0]
    for k in range(1, b.shape[0]):
        acc = acc + col(k) * b[k]
    return acc


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# gates per cell, whether it carries a cell state c, weight layout family
CELLS = {
    "rnn_tanh": dict(G=1, has_c=False, layout="torch"),
    "rnn_relu": dict(G=1, has_c=False, layout="torch"),
    "lstm": dict(G=4, has_c=True, layout="torch"),
    "gru": dict(G=3, has_c=False, layout="torch"),
    "minimal_gru": dict(G=2, has_c=False, layout="torch"),
    # minGRU / minLSTM (Feng et al. 2024): gates from x only, no weight_hh / bias_hh
    "min_gru": dict(G=2, has_c=False, layout="torch"),
    "min_lstm": dict(G=3, has_c=False, layout="torch"),
    # TTT-Linear (Sun et al. 2024): weight_ih rows k, v, q; its "c" is the fast weights W, [n*d*d] per row
    "ttt_linear": dict(G=3, has_c=True, layout="torch"),
    "peephole_lstm": dict(G=4, has_c=True, layout="torch"),
    "keras_lstm": dict(G=4, has_c=True, layout="keras"),
    "keras_gru": dict(G=3, has_c=False, layout="keras"),
    "keras_simple_rnn": dict(G=1, has_c=False, layout="keras"),
}


def has_recurrent_weights(cell):
    return cell not in ("min_gru", "min_lstm", "ttt_linear")


def g_pos(v):
    """minGRU/minLSTM candidate activation: v + 1/2 for v > 0, sigmoid(v) otherwise (positive, continuous)."""
    return np.where(v > 0, v + 0.5, sigmoid(np.minimum(v, 0.0)))


def _lin(x, W, b):
    """x [B,in] @ W[out,in].T + b (b may be None)."""
    y = mm(x, W.T)
    return y if b is None else y + b


class Recorder:
    """Collects min |pre-activation| of relu at valid steps (kink check)."""

    def __init__(self):
        self.min_relu_abs = np.inf


def torch_step(cell, p, x, h, c, rec, valid):
    """One step of a torch-layout cell. p: dict with W_ih, W_hh, b_ih, b_hh, (P)."""
    H = h.shape[1]
    gi = _lin(x, p["W_ih"], p["b_ih"])
    if cell in ("min_gru", "min_lstm"):
        # sequential form, straight from the paper's equations; the kink of g at 0 is kept away from
        v = gi[:, (1 if cell == "min_gru" else 2) * H:]
        if rec is not None and valid.any():
            rec.min_relu_abs = min(rec.min_relu_abs, float(np.abs(v[valid[:, 0]]).min()))
        if cell == "min_gru":
            z = sigmoid(gi[:, 0:H])
            return (1.0 - z) * h + z * g_pos(v), None
        f = sigmoid(gi[:, 0:H])
        i = sigmoid(gi[:, H:2 * H])
        return f / (f + i) * h + i / (f + i) * g_pos(v), None
    gh = _lin(h, p["W_hh"], p["b_hh"])
    if cell in ("rnn_tanh", "rnn_relu"):
        a = gi + gh
        if cell == "rnn_tanh":
            return np.tanh(a), None
        if rec is not None and valid.any():
            rec.min_relu_abs = min(rec.min_relu_abs, float(np.abs(a[valid[:, 0]]).min()))
        return np.maximum(a, 0.0), None
    if cell == "lstm":
        a = gi + gh
        i = sigmoid(a[:, 0:H])
        f = sigmoid(a[:, H:2 * H])
        g = np.tanh(a[:, 2 * H:3 * H])
        o = sigmoid(a[:, 3 * H:4 * H])
        c2 = f * c + i * g
        return o * np.tanh(c2), c2
    if cell == "peephole_lstm":
        a = gi + gh
        P = p["P"]  # [3,H] rows (i, f, o)
        i = sigmoid(a[:, 0:H] + P[0] * c)
        f = sigmoid(a[:, H:2 * H] + P[1] * c)
        g = np.tanh(a[:, 2 * H:3 * H])
        c2 = f * c + i * g
        o = sigmoid(a[:, 3 * H:4 * H] + P[2] * c2)
        return o * np.tanh(c2), c2
    if cell == "gru":
        r = sigmoid(gi[:, 0:H] + gh[:, 0:H])
        z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gi[:, 2 * H:3 * H] + r * gh[:, 2 * H:3 * H])
        return (1.0 - z) * n + z * h, None
    if cell == "minimal_gru":
        u = sigmoid(gi[:, 0:H] + gh[:, 0:H])
        ct = np.tanh(gi[:, H:2 * H] + gh[:, H:2 * H])
        return u * ct + (1.0 - u) * h, None
    raise ValueError(cell)


def keras_step(cell, p, x, h, c, reset_after):
    """One step of a Keras cell. p: kernel K [I,GH], recurrent R [H,GH], bias."""
    K, R, bias = p["K"], p["R"], p["bias"]
    H = h.shape[1]
    if cell == "keras_simple_rnn":
        return np.tanh(mm(x, K) + mm(h, R) + bias), None
    if cell == "keras_lstm":
        a = mm(x, K) + mm(h, R) + bias
        i = sigmoid(a[:, 0:H])
        f = sigmoid(a[:, H:2 * H])
        g = np.tanh(a[:, 2 * H:3 * H])
        o = sigmoid(a[:, 3 * H:4 * H])
        c2 = f * c + i * g
        return o * np.tanh(c2), c2
    if cell == "keras_gru":
        # column blocks z, r, h
        if reset_after:
            xi = mm(x, K) + bias[0]
            hr = mm(h, R) + bias[1]
            z = sigmoid(xi[:, 0:H] + hr[:, 0:H])
            r = sigmoid(xi[:, H:2 * H] + hr[:, H:2 * H])
            hh = np.tanh(xi[:, 2 * H:3 * H] + r * hr[:, 2 * H:3 * H])
        else:
            xi = mm(x, K) + bias
            z = sigmoid(xi[:, 0:H] + mm(h, R[:, 0:H]))
            r = sigmoid(xi[:, H:2 * H] + mm(h, R[:, H:2 * H]))
            hh = np.tanh(xi[:, 2 * H:3 * H] + mm(r * h, R[:, 2 * H:3 * H]))
        return z * h + (1.0 - z) * hh, None
    raise ValueError(cell)


def suffix(d):
    return "_reverse" if d == 1 else ""


def layer_params(case, t, l, d):
    """Extract the parameter dict of layer l direction d from tensor dict t."""
    if CELLS[case["cell"]]["layout"] == "keras":
        return {"K": t["keras.kernel"], "R": t["keras.recurrent_kernel"], "bias": t["keras.bias"]}
    s = "_l%d%s" % (l, suffix(d))
    p = {"W_ih": t["weight_ih" + s], "W_hh": t.get("weight_hh" + s),
         "b_ih": t.get("bias_ih" + s), "b_hh": t.get("bias_hh" + s)}
    if case["cell"] == "peephole_lstm":
        p["P"] = t["weight_peephole" + s]
    return p


def valid_mask(case):
    B, T = case["B"], case["T"]
    if case["lengths"] is None:
        return np.ones((B, T), dtype=bool)
    L = np.asarray(case["lengths"])
    return np.arange(T)[None, :] < L[:, None]


def forward(case, t, rec=None):
    """Returns output [B,T,D*H], h_n [L*D,B,H], c_n (or None)."""
    if case["cell"] == "ttt_linear":
        return ttt_forward(case, t)
    cell = case["cell"]
    spec = CELLS[cell]
    B, T, H = case["B"], case["T"], HIDDEN_SIZE
    L, D = case["num_layers"], 2 if case["bidirectional"] else 1
    mask = valid_mask(case)
    inp = t["x"]
    hn, cn = [], []
    for l in range(L):
        outs = []
        for d in range(D):
            p = layer_params(case, t, l, d)
            k = l * D + d
            h = t["h0"][k] if "h0" in t else np.zeros((B, H))
            c = (t["c0"][k] if "c0" in t else np.zeros((B, H))) if spec["has_c"] else None
            out = np.zeros((B, T, H))
            steps = range(T) if d == 0 else range(T - 1, -1, -1)
            for s in steps:
                m = mask[:, s][:, None]
                if spec["layout"] == "keras":
                    hc, cc = keras_step(cell, p, inp[:, s], h, c, case.get("reset_after"))
                else:
                    hc, cc = torch_step(cell, p, inp[:, s], h, c, rec, m)
                h = np.where(m, hc, h)
                if c is not None:
                    c = np.where(m, cc, c)
                out[:, s] = np.where(m, hc, 0.0)
            outs.append(out)
            hn.append(h)
            if c is not None:
                cn.append(c)
        inp = np.concatenate(outs, axis=-1)
    return inp, np.stack(hn), (np.stack(cn) if spec["has_c"] else None)


# --------------------------------------------------------------------------
# TTT-Linear (Sun et al. 2024, "Learning to (Learn at Test Time)"), from the equations:
#   k, v, q = theta_K x, theta_V x, theta_Q x          (weight_ih row blocks, bias_ih)
#   eta = sigmoid(theta_lr x + b_lr) / d               (one per head)
#   f(u; W) = u + LN(u W)   (LN over d features, gamma/beta per head, eps 1e-6)
#   l(W) = ||f(k; W) - v||^2,  G_t = grad l at W_s (the W of the mini-batch start)
#   W_t = W_{t-1} - eta_t G_t;  W_s <- W_t after every b valid tokens of a sequence
#   z_t = f(q_t; W_t),  h_t = weight_ho z_t + bias_ho
# The inner gradient uses the LayerNorm Jacobian as a matrix, J = (I - 1/d - zhat zhat^T / d) / sigma
# (jrnn writes the same derivative as a vector formula).
# --------------------------------------------------------------------------
TTT_LN_EPS = 1e-6


def ttt_dims(case):
    H = case.get("H", HIDDEN_SIZE)
    n = case["heads"]
    return H, n, H // n


def ttt_extra_shapes(case, in_l):
    H, n, d = ttt_dims(case)
    out = [("ttt_lr_weight", [n, in_l])]
    if case["bias"]:
        out.append(("ttt_lr_bias", [n]))
    out += [("ttt_w0", [n, d, d]), ("ttt_norm_weight", [n, d]), ("ttt_norm_bias", [n, d]), ("weight_ho", [H, H])]
    if case["bias"]:
        out.append(("bias_ho", [H]))
    return out


def ttt_param_shapes(case):
    """weight_ih/bias_ih of every layer-direction, then the extras of each (jrnn's registration order)."""
    H, n, d = ttt_dims(case)
    D = 2 if case["bidirectional"] else 1
    out, extra = [], []
    for l in range(case["num_layers"]):
        in_l = INPUT_SIZE if l == 0 else H * D
        for dd in range(D):
            s = "_l%d%s" % (l, suffix(dd))
            out.append(("weight_ih" + s, [3 * H, in_l]))
            if case["bias"]:
                out.append(("bias_ih" + s, [3 * H]))
            extra += [(name + s, shape) for name, shape in ttt_extra_shapes(case, in_l)]
    return out + extra


def ttt_f(u, W, gamma, beta):
    """f(u; W) = u + gamma * (uW - mean) / sigma + beta; also returns zhat, sigma. u [B,n,d], W [B,n,d,d]."""
    z = np.einsum("bni,bnij->bnj", u, W)
    mu = z.mean(axis=-1, keepdims=True)
    sigma = np.sqrt(((z - mu) ** 2).mean(axis=-1, keepdims=True) + TTT_LN_EPS)
    zhat = (z - mu) / sigma
    return u + gamma * zhat + beta, zhat, sigma


def ttt_inner_grad(k, v, W, gamma, beta):
    """d l / d W for l = ||f(k; W) - v||^2, [B,n,d,d], through the LayerNorm Jacobian matrix."""
    fk, zhat, sigma = ttt_f(k, W, gamma, beta)
    d = k.shape[-1]
    g_zhat = 2.0 * (fk - v) * gamma
    J = (np.eye(d) - 1.0 / d - np.einsum("bni,bnj->bnij", zhat, zhat) / d) / sigma[..., None]   # symmetric
    g_z = np.einsum("bnij,bnj->bni", J, g_zhat)
    return np.einsum("bni,bnj->bnij", k, g_z)


def ttt_inner_grad_selftest():
    """The matrix-form inner gradient must match central differences of the inner loss."""
    rng = np.random.default_rng(7)
    k, v = rng.standard_normal((2, 2, 3)), rng.standard_normal((2, 2, 3))
    W, gamma, beta = rng.standard_normal((2, 2, 3, 3)), rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    loss = lambda w: np.sum((ttt_f(k, w, gamma, beta)[0] - v) ** 2)  # noqa: E731
    fd = np.zeros_like(W)
    for j in np.ndindex(W.shape):
        wp, wm = W.copy(), W.copy()
        wp[j] += FD_EPS
        wm[j] -= FD_EPS
        fd[j] = (loss(wp) - loss(wm)) / (2 * FD_EPS)
    err = float(np.abs(fd - ttt_inner_grad(k, v, W, gamma, beta)).max())
    assert err < 1e-7, "TTT inner gradient vs FD: %.2e" % err
    return err


def ttt_forward(case, t):
    H, n, d = ttt_dims(case)
    B, T = case["B"], case["T"]
    L, D = case["num_layers"], 2 if case["bidirectional"] else 1
    b = case["mini_batch"]
    mask = valid_mask(case)
    inp = t["x"]
    hn, cn = [], []
    for l in range(L):
        outs = []
        for dd in range(D):
            s = "_l%d%s" % (l, suffix(dd))
            W_ih, b_ih = t["weight_ih" + s], t.get("bias_ih" + s)
            W_lr, b_lr = t["ttt_lr_weight" + s], t.get("ttt_lr_bias" + s)
            gamma, beta = t["ttt_norm_weight" + s], t["ttt_norm_bias" + s]
            W_o, b_o = t["weight_ho" + s], t.get("bias_ho" + s)
            kk = l * D + dd
            W = (t["c0"][kk].reshape(B, n, d, d).copy() if "c0" in t
                 else np.broadcast_to(t["ttt_w0" + s], (B, n, d, d)).copy())
            Ws = W.copy()
            count = np.zeros(B, dtype=int)               # valid tokens read in the current mini-batch, per sequence
            h = np.zeros((B, H))
            out = np.zeros((B, T, H))
            steps = range(T) if dd == 0 else range(T - 1, -1, -1)
            for st in steps:
                m = mask[:, st]
                x = inp[:, st]
                kvq = _lin(x, W_ih, b_ih)
                k = kvq[:, 0:H].reshape(B, n, d)
                v = kvq[:, H:2 * H].reshape(B, n, d)
                q = kvq[:, 2 * H:].reshape(B, n, d)
                eta = sigmoid(_lin(x, W_lr, b_lr)) / d
                G = ttt_inner_grad(k, v, Ws, gamma, beta)
                W = np.where(m[:, None, None, None], W - eta[:, :, None, None] * G, W)
                count = count + m
                end = count == b
                Ws = np.where(end[:, None, None, None], W, Ws)
                count = np.where(end, 0, count)
                z, _, _ = ttt_f(q, W, gamma, beta)
                hc = _lin(z.reshape(B, H), W_o, b_o)
                h = np.where(m[:, None], hc, h)
                out[:, st] = np.where(m[:, None], hc, 0.0)
            outs.append(out)
            hn.append(h)
            cn.append(W.reshape(B, n * d * d))
        inp = np.concatenate(outs, axis=-1)
    return inp, np.stack(hn), np.stack(cn)


def loss_fn(case, t):
    out, hn, cn = forward(case, t)
    val = np.sum(out * t["gout"]) + np.sum(hn * t["ghn"])
    if cn is not None:
        val += np.sum(cn * t["gcn"])
    return val


def fd_grad(t, name, loss, eps=FD_EPS):
    """Central differences of loss() (no arguments; reads t) with respect to every element of t[name], in place."""
    base = t[name]
    g = np.zeros_like(base)
    flat = base.reshape(-1)
    gflat = g.reshape(-1)
    for j in range(flat.size):
        orig = flat[j]
        flat[j] = orig + eps
        lp = loss()
        flat[j] = orig - eps
        lm = loss()
        flat[j] = orig
        gflat[j] = (lp - lm) / (2.0 * eps)
    return g


# --------------------------------------------------------------------------
# hand-derived BPTT for torch-layout LSTM (cross-check of the FD gradients)
# --------------------------------------------------------------------------
def lstm_bptt(case, t):
    B, T, H = case["B"], case["T"], HIDDEN_SIZE
    L, D = case["num_layers"], 2 if case["bidirectional"] else 1
    mask = valid_mask(case)
    grads = {}
    # forward with caches
    inp = t["x"]
    inputs, caches = [], {}
    for l in range(L):
        inputs.append(inp)
        outs = []
        for d in range(D):
            p = layer_params(case, t, l, d)
            k = l * D + d
            h = t["h0"][k] if "h0" in t else np.zeros((B, H))
            c = t["c0"][k] if "c0" in t else np.zeros((B, H))
            out = np.zeros((B, T, H))
            steps = list(range(T)) if d == 0 else list(range(T - 1, -1, -1))
            cache = []
            for s in steps:
                m = mask[:, s][:, None]
                a = _lin(inp[:, s], p["W_ih"], p["b_ih"]) + _lin(h, p["W_hh"], p["b_hh"])
                i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])
                g, o = np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
                c2 = f * c + i * g
                h2 = o * np.tanh(c2)
                cache.append((s, m, h, c, i, f, g, o, c2))
                h = np.where(m, h2, h)
                c = np.where(m, c2, c)
                out[:, s] = np.where(m, h2, 0.0)
            caches[(l, d)] = cache
            outs.append(out)
        inp = np.concatenate(outs, axis=-1)
    # backward
    dout_all = t["gout"]
    for l in range(L - 1, -1, -1):
        x_l = inputs[l]
        dx_l = np.zeros_like(x_l)
        for d in range(D):
            p = layer_params(case, t, l, d)
            k = l * D + d
            sfx = "_l%d%s" % (l, suffix(d))
            dout = dout_all[:, :, d * H:(d + 1) * H]
            dW_ih, dW_hh = np.zeros_like(p["W_ih"]), np.zeros_like(p["W_hh"])
            db = np.zeros(4 * H)
            dh, dc = t["ghn"][k].copy(), t["gcn"][k].copy()
            for (s, m, hp, cp, i, f, g, o, c2) in reversed(caches[(l, d)]):
                dhc = np.where(m, dh + dout[:, s], 0.0)
                dcc = np.where(m, dc, 0.0)
                dh_pass = np.where(m, 0.0, dh)
                dc_pass = np.where(m, 0.0, dc)
                tc = np.tanh(c2)
                do = dhc * tc
                dcc = dcc + dhc * o * (1.0 - tc * tc)
                di, dg, df = dcc * g, dcc * i, dcc * cp
                dcp = dcc * f
                da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g * g), do * o * (1 - o)], axis=1)
                dW_ih += mm(da.T, x_l[:, s])
                dW_hh += mm(da.T, hp)
                db += da.sum(0)
                dx_l[:, s] += mm(da, p["W_ih"])
                dh = mm(da, p["W_hh"]) + dh_pass
                dc = dcp + dc_pass
            grads["weight_ih" + sfx] = dW_ih
            grads["weight_hh" + sfx] = dW_hh
            if p["b_ih"] is not None:
                grads["bias_ih" + sfx] = db.copy()
                grads["bias_hh" + sfx] = db.copy()
            grads.setdefault("h0", np.zeros((L * D, B, H)))[k] = dh
            grads.setdefault("c0", np.zeros((L * D, B, H)))[k] = dc
        dout_all = dx_l
    grads["x"] = dout_all
    return grads


# --------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------
def torch_case(name, cell, L, bi, bias, h0, B, T, lengths=None):
    return dict(name=name, cell=cell, num_layers=L, bidirectional=bi, bias=bias, has_h0=h0,
                B=B, T=T, lengths=lengths)


def build_cases():
    cases = []
    for cell in ("rnn_tanh", "rnn_relu", "lstm", "gru"):
        lens = [5, 3, 1] if cell in ("rnn_tanh", "lstm") else [3, 5, 1]
        cases += [
            torch_case(cell + "_l1_bias", cell, 1, False, True, False, 2, 5),
            torch_case(cell + "_l1_nobias_h0", cell, 1, False, False, True, 3, 4),
            torch_case(cell + "_l2_bias_h0_b1", cell, 2, False, True, True, 1, 5),
            torch_case(cell + "_l1_bi_nobias", cell, 1, True, False, False, 2, 4),
            torch_case(cell + "_l2_bi_bias_h0", cell, 2, True, True, True, 3, 5),
            torch_case(cell + "_l1_bias_h0_t1", cell, 1, False, True, True, 2, 1),
            torch_case(cell + "_l2_bi_bias_h0_lengths", cell, 2, True, True, True, 3, 5, lens),
        ]
        if cell == "lstm":
            cases.append(torch_case("lstm_l3_bias", cell, 3, False, True, False, 2, 4))
        if cell == "gru":
            cases.append(torch_case("gru_l3_nobias_h0", cell, 3, False, False, True, 2, 4))
    cases += [
        torch_case("keras_lstm_h0", "keras_lstm", 1, False, True, True, 2, 5),
        dict(torch_case("keras_gru_reset_after", "keras_gru", 1, False, True, False, 3, 4), reset_after=True),
        dict(torch_case("keras_gru_reset_before_h0", "keras_gru", 1, False, True, True, 2, 5), reset_after=False),
        torch_case("keras_simple_rnn", "keras_simple_rnn", 1, False, True, False, 3, 4),
        torch_case("minimal_gru_l1_bias_h0", "minimal_gru", 1, False, True, True, 2, 5),
        torch_case("peephole_lstm_l1_bias_h0", "peephole_lstm", 1, False, True, True, 2, 5),
    ]
    for cell in ("min_gru", "min_lstm"):
        cases += [
            torch_case(cell + "_l1_bias", cell, 1, False, True, False, 2, 5),
            torch_case(cell + "_l1_nobias_h0", cell, 1, False, False, True, 3, 4),
            torch_case(cell + "_l1_bias_h0_t1", cell, 1, False, True, True, 2, 1),
            torch_case(cell + "_l2_bi_bias_h0_lengths", cell, 2, True, True, True, 3, 5, [3, 5, 1]),
        ]
    cases += [
        dict(torch_case("ttt_linear_l1_bias_b1", "ttt_linear", 1, False, True, False, 2, 5), heads=1, mini_batch=1),
        dict(torch_case("ttt_linear_l1_bias_c0_h6_b2", "ttt_linear", 1, False, True, False, 2, 5), H=6, heads=2,
             mini_batch=2, has_c0=True),
        dict(torch_case("ttt_linear_l2_bi_nobias_b3_lengths", "ttt_linear", 2, True, False, False, 3, 5, [5, 2, 4]),
             heads=1, mini_batch=3),
    ]
    return cases


def param_shapes(case):
    """Ordered list of (name, shape) of the weights, torch state_dict order."""
    cell = case["cell"]
    if cell == "ttt_linear":
        return ttt_param_shapes(case)
    G, H, I = CELLS[cell]["G"], HIDDEN_SIZE, INPUT_SIZE
    if CELLS[cell]["layout"] == "keras":
        bshape = [2, G * H] if (cell == "keras_gru" and case["reset_after"]) else [G * H]
        return [("keras.kernel", [I, G * H]), ("keras.recurrent_kernel", [H, G * H]), ("keras.bias", bshape)]
    D = 2 if case["bidirectional"] else 1
    out = []
    for l in range(case["num_layers"]):
        in_l = I if l == 0 else H * D
        for d in range(D):
            s = "_l%d%s" % (l, suffix(d))
            rec = has_recurrent_weights(cell)
            out.append(("weight_ih" + s, [G * H, in_l]))
            if rec:
                out.append(("weight_hh" + s, [G * H, H]))
            if case["bias"]:
                out.append(("bias_ih" + s, [G * H]))
                if rec:
                    out.append(("bias_hh" + s, [G * H]))
            if cell == "peephole_lstm":
                out.append(("weight_peephole" + s, [3, H]))
    return out


def draw_inputs(case, seed):
    rng = np.random.default_rng(seed)
    B, T, H = case["B"], case["T"], case.get("H", HIDDEN_SIZE)
    ttt = case["cell"] == "ttt_linear"
    CW = ttt_dims(case)[1] * ttt_dims(case)[2] ** 2 if ttt else H     # width of c: the fast weights for TTT
    LD = case["num_layers"] * (2 if case["bidirectional"] else 1)
    D = 2 if case["bidirectional"] else 1
    has_c = CELLS[case["cell"]]["has_c"]
    t = {}
    order = []
    t["x"] = rng.standard_normal((B, T, INPUT_SIZE)); order.append("x")
    if ttt and case.get("has_c0"):
        t["c0"] = rng.standard_normal((LD, B, CW)) * 0.5; order.append("c0")
    if case["has_h0"]:
        t["h0"] = rng.standard_normal((LD, B, H)) * 0.5; order.append("h0")
        if has_c:
            t["c0"] = rng.standard_normal((LD, B, H)) * 0.5; order.append("c0")
    if case["lengths"] is not None:
        t["lengths"] = np.asarray(case["lengths"], dtype=np.float64); order.append("lengths")
    weight_names = []
    for name, shape in param_shapes(case):
        t[name] = rng.uniform(-PARAM_RANGE, PARAM_RANGE, size=shape); order.append(name)
        weight_names.append(name)
    t["gout"] = rng.standard_normal((B, T, D * H)); order.append("gout")
    t["ghn"] = rng.standard_normal((LD, B, H)); order.append("ghn")
    if has_c:
        t["gcn"] = rng.standard_normal((LD, B, CW)); order.append("gcn")
    return t, order, weight_names


def metadata_for(case, seed):
    m = {
        "name": case["name"],
        "cell": case["cell"],
        "layout": CELLS[case["cell"]]["layout"],
        "num_layers": str(case["num_layers"]),
        "bidirectional": "true" if case["bidirectional"] else "false",
        "bias": "true" if case["bias"] else "false",
        "has_h0": "true" if case["has_h0"] else "false",
        "has_lengths": "true" if case["lengths"] is not None else "false",
        "lengths": ",".join(str(v) for v in case["lengths"]) if case["lengths"] is not None else "",
        "input_size": str(INPUT_SIZE),
        "hidden_size": str(HIDDEN_SIZE),
        "batch": str(case["B"]),
        "time": str(case["T"]),
        "batch_first": "true",
        "gates": str(CELLS[case["cell"]]["G"]),
        "loss": "sum(output*gout)+sum(h_n*ghn)" + ("+sum(c_n*gcn)" if CELLS[case["cell"]]["has_c"] else ""),
        "grad_method": "central_finite_difference_float64",
        "fd_eps": repr(FD_EPS),
        "seed": str(seed),
        "format_version": FORMAT_VERSION,
        "generator": "tools/golden/make_golden.py",
    }
    if case["cell"] == "keras_gru":
        m["reset_after"] = "true" if case["reset_after"] else "false"
    if case["cell"] == "ttt_linear":
        m["hidden_size"] = str(case.get("H", HIDDEN_SIZE))
        m["heads"] = str(case["heads"])
        m["mini_batch"] = str(case["mini_batch"])
        m["has_c0"] = "true" if case.get("has_c0") else "false"
    return m


def make_case(case):
    # pick a seed; for relu, re-draw until no pre-activation is near the kink
    for attempt in range(1000):
        seed = zlib.crc32(("%s#%d" % (case["name"], attempt)).encode("utf-8"))
        t, order, weight_names = draw_inputs(case, seed)
        rec = Recorder()
        out, hn, cn = forward(case, t, rec)
        if rec.min_relu_abs > RELU_KINK_MARGIN:
            break
    else:
        raise RuntimeError("no kink-free seed for " + case["name"])
    grad_targets = ["x"] + [n for n in ("h0", "c0") if n in t] + weight_names
    grads = {n: fd_grad(t, n, lambda: loss_fn(case, t)) for n in grad_targets}
    tensors = [(n, t[n]) for n in order]
    tensors.append(("output", out))
    tensors.append(("h_n", hn))
    if cn is not None:
        tensors.append(("c_n", cn))
    for n in grad_targets:
        tensors.append(("grad." + n, grads[n]))
    info = {"min_relu_abs": rec.min_relu_abs}
    if case["cell"] == "lstm":
        bp = lstm_bptt(case, t)
        info["bptt_max_abs_diff"] = max(float(np.abs(bp[n] - grads[n]).max()) for n in grad_targets)
    return tensors, metadata_for(case, seed), info


def format_index(index):
    """index.json: one line per metadata block / tensor-shape map (diff friendly)."""
    c = lambda o: json.dumps(o, separators=(", ", ": "))  # noqa: E731
    head = {k: v for k, v in index.items() if k != "cases"}
    lines = ["{"] + ['  "%s": %s,' % (k, c(v)) for k, v in head.items()] + ['  "cases": [']
    for j, e in enumerate(index["cases"]):
        lines.append("    {")
        lines.append('      "file": %s,' % c(e["file"]))
        lines.append('      "sha256": %s,' % c(e["sha256"]))
        lines.append('      "metadata": %s,' % c(e["metadata"]))
        lines.append('      "tensors": %s' % c(e["tensors"]))
        lines.append("    }" + ("," if j + 1 < len(index["cases"]) else ""))
    lines += ["  ]", "}"]
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == index
    return text


def reader_selftest():
    """The strict reader must accept a valid file and reject spec violations."""
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    good = st_serialize([("a", a), ("b", a[0])], {"k": "v"})
    t, m = st_parse(good)
    assert m == {"k": "v"} and np.array_equal(t["a"], a) and np.array_equal(t["b"], a[0])
    n = int.from_bytes(good[:8], "little")
    hdr = good[8:8 + n].rstrip(b" ")
    body = good[8 + n:]

    def mk(h, b=body, pad=True):
        if pad:
            h = h + b" " * ((-len(h)) % 8)
        return len(h).to_bytes(8, "little") + h + b

    bad = {
        "unpadded header": mk(hdr + b" ", pad=False) if (len(hdr) + 1) % 8 else mk(hdr + b"  ", pad=False),
        "trailing data": mk(hdr, body + b"\0" * 8),
        "gap": mk(hdr.replace(b'"data_offsets":[48,72]', b'"data_offsets":[56,80]'), body + b"\0" * 8),
        "shape mismatch": mk(hdr.replace(b'"shape":[2,3]', b'"shape":[3,3]')),
        "non-string metadata": mk(hdr.replace(b'"k":"v"', b'"k":1')),
        "duplicate key": mk(hdr.replace(b'"k":"v"', b'"k":"v","k":"w"')),
        "unknown dtype": mk(hdr.replace(b'"F64"', b'"X64"', 1)),
    }
    for what, buf in bad.items():
        assert buf != good, what
        try:
            st_parse(buf)
        except (ValueError, KeyError):
            continue
        raise AssertionError("reader accepted a file with " + what)


# --------------------------------------------------------------------------
# xLSTM (Beck et al. 2024): sLSTM and mLSTM, written from the paper's equations
# in their unstabilised form (true c, n, C carried; the stabiliser m is tracked
# only to report the final state the way jrnn stores it, divided by e^m).
# One file, xlstm/xlstm.safetensors, written with --xlstm; the other fixtures
# and index.json are left alone.
# --------------------------------------------------------------------------

def log_sigmoid(a):
    return -np.logaddexp(0.0, -a)


def slstm_step(p, x, h, c, n, m):
    """c, n unstabilised. Gates i, f, z, o; exponential input gate, sigmoid forget gate."""
    H = h.shape[1]
    a = _lin(x, p["W_ih"], p["b_ih"]) + _lin(h, p["W_hh"], p["b_hh"])
    it, ft, zt, ot = a[:, 0:H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    i, f, z, o = np.exp(it), sigmoid(ft), np.tanh(zt), sigmoid(ot)
    c = f * c + i * z
    n = f * n + i
    m = np.maximum(log_sigmoid(ft) + m, it)
    return o * c / n, c, n, m


def mlstm_step(p, x, h, C, n, m, heads):
    """C [B,NH,d,d], n [B,NH,d] unstabilised; scalar gates per head; keys scaled by 1/sqrt(d)."""
    B, H = h.shape
    d = H // heads
    a = _lin(x, p["W_ih"], p["b_ih"])
    q = a[:, 0:H].reshape(B, heads, d)
    k = a[:, H:2 * H].reshape(B, heads, d) / np.sqrt(d)
    v = a[:, 2 * H:3 * H].reshape(B, heads, d)
    o = sigmoid(a[:, 3 * H:])
    g = _lin(x, p["W_gate"], p["b_gate"])
    it, ft = g[:, :heads], g[:, heads:]
    i, f = np.exp(it), sigmoid(ft)
    C = f[:, :, None, None] * C + i[:, :, None, None] * (v[:, :, :, None] * k[:, :, None, :])
    n = f[:, :, None] * n + i[:, :, None] * k
    num = np.einsum("bjae,bje->bja", C, q)
    den = np.maximum(np.abs(np.einsum("bje,bje->bj", n, q)), 1.0)
    m = np.maximum(log_sigmoid(ft) + m, it)
    return o * (num / den[:, :, None]).reshape(B, H), C, n, m


def xlstm_forward(case, t):
    """Returns output [B,T,D*H] and the final state (h, c, n, m) stacked [L*D, B, .] as jrnn stores it."""
    B, T, H, heads = case["B"], case["T"], HIDDEN_SIZE, case.get("heads", 1)
    L, D = case["num_layers"], 2 if case["bidirectional"] else 1
    d = H // heads
    mask = valid_mask(case)
    inp = t["x"]
    finals = [[], [], [], []]
    for l in range(L):
        outs = []
        for dr in range(D):
            s_ = "_l%d%s" % (l, suffix(dr))
            p = {"W_ih": t["weight_ih" + s_], "b_ih": t["bias_ih" + s_], "W_hh": t.get("weight_hh" + s_),
                 "b_hh": t.get("bias_hh" + s_), "W_gate": t.get("weight_gate" + s_), "b_gate": t.get("bias_gate" + s_)}
            j = l * D + dr
            h, m = t["h0"][j].copy(), t["m0"][j].copy()
            if case["cell"] == "slstm":
                c, n = t["c0"][j] * np.exp(m), t["n0"][j] * np.exp(m)          # unstabilised
            else:
                em = np.exp(m)                                                   # [B, NH]
                c = t["c0"][j].reshape(B, heads, d, d) * em[:, :, None, None]
                n = t["n0"][j].reshape(B, heads, d) * em[:, :, None]
            out = np.zeros((B, T, H))
            for s in (range(T) if dr == 0 else range(T - 1, -1, -1)):
                mk = mask[:, s][:, None]
                if case["cell"] == "slstm":
                    h2, c2, n2, m2 = slstm_step(p, inp[:, s], h, c, n, m)
                    c, n = np.where(mk, c2, c), np.where(mk, n2, n)
                else:
                    h2, c2, n2, m2 = mlstm_step(p, inp[:, s], h, c, n, m, heads)
                    c, n = np.where(mk[:, :, None, None], c2, c), np.where(mk[:, :, None], n2, n)
                h, m = np.where(mk, h2, h), np.where(mk, m2, m)
                out[:, s] = np.where(mk, h2, 0.0)
            outs.append(out)
            if case["cell"] == "slstm":
                cs, ns = c * np.exp(-m), n * np.exp(-m)
            else:
                cs = (c * np.exp(-m)[:, :, None, None]).reshape(B, heads * d * d)
                ns = (n * np.exp(-m)[:, :, None]).reshape(B, H)
            for lst, a in zip(finals, (h, cs, ns, m)):
                lst.append(a)
        inp = np.concatenate(outs, axis=-1)
    return inp, [np.stack(f) for f in finals]


def xlstm_cases():
    base = dict(B=3, T=5)
    return [
        dict(base, name="slstm_l2_bi_state_lengths", cell="slstm", num_layers=2, bidirectional=True,
             lengths=[5, 3, 1], state=True),
        dict(base, name="slstm_l1", cell="slstm", num_layers=1, bidirectional=False, lengths=None, state=False),
        dict(base, name="mlstm_h2_state_lengths", cell="mlstm", heads=2, num_layers=1, bidirectional=False,
             lengths=[5, 2, 4], state=True),
        dict(base, name="mlstm_h1_l2_bi", cell="mlstm", heads=1, num_layers=2, bidirectional=True,
             lengths=[4, 5, 2], state=False),
    ]


def xlstm_tensors(case):
    rng = np.random.default_rng(zlib.crc32(case["name"].encode()))
    B, T, H, heads = case["B"], case["T"], HIDDEN_SIZE, case.get("heads", 1)
    L, D = case["num_layers"], 2 if case["bidirectional"] else 1
    params = []
    for l in range(L):
        for dr in range(D):
            s_ = "_l%d%s" % (l, suffix(dr))
            I = INPUT_SIZE if l == 0 else D * H
            U = lambda *sh: rng.uniform(-PARAM_RANGE, PARAM_RANGE, size=sh)
            if case["cell"] == "slstm":      # jrnn's registration order: PyTorch's
                params += [("weight_ih" + s_, U(4 * H, I)), ("weight_hh" + s_, U(4 * H, H)),
                           ("bias_ih" + s_, U(4 * H)), ("bias_hh" + s_, U(4 * H))]
            else:
                params += [("weight_ih" + s_, U(4 * H, I)), ("bias_ih" + s_, U(4 * H)),
                           ("weight_gate" + s_, U(2 * heads, I)), ("bias_gate" + s_, U(2 * heads))]
    t = dict(params)
    t["x"] = rng.standard_normal((B, T, INPUT_SIZE))
    LD, d = L * D, H // heads
    cw, mw = (H, H) if case["cell"] == "slstm" else (heads * d * d, heads)
    if case["state"]:
        t["h0"] = rng.standard_normal((LD, B, H))
        t["c0"] = rng.standard_normal((LD, B, cw))
        t["n0"] = rng.uniform(0.5, 2.0, (LD, B, H)) if case["cell"] == "slstm" else rng.standard_normal((LD, B, H))
        t["m0"] = rng.standard_normal((LD, B, mw))
    else:                                                                # jrnn's zero state
        t["h0"], t["c0"], t["n0"], t["m0"] = (np.zeros((LD, B, w)) for w in (H, cw, H, mw))
    out, fin = xlstm_forward(case, t)
    t["gout"] = rng.uniform(-1, 1, out.shape)
    t["ghn"] = rng.uniform(-1, 1, fin[0].shape)

    def loss():
        o, f = xlstm_forward(case, t)
        return np.sum(o * t["gout"]) + np.sum(f[0] * t["ghn"])

    grads = []
    for name in [n for n, _ in params] + ["x"] + (["h0", "c0", "n0"] if case["state"] else []):
        grads.append(("grad." + name, fd_grad(t, name, loss)))
    lengths = np.asarray(case["lengths"] if case["lengths"] else [T] * B, dtype=np.float64)
    named = params + [("x", t["x"]), ("lengths", lengths)] + [(k, t[k]) for k in ("h0", "c0", "n0", "m0", "gout", "ghn")]
    named += [("output", out), ("h_n", fin[0]), ("c_n", fin[1]), ("n_n", fin[2]), ("m_n", fin[3])] + grads
    return [(case["name"] + "." + n, a) for n, a in named]


def make_xlstm(out_dir):
    tensors, meta = [], {"generator": "tools/golden/make_golden.py --xlstm", "format_version": FORMAT_VERSION,
                         "input_size": str(INPUT_SIZE), "hidden_size": str(HIDDEN_SIZE),
                         "loss": "sum(output*gout) + sum(h_n*ghn); gradients by central differences, eps 1e-6"}
    for case in xlstm_cases():
        tensors += xlstm_tensors(case)
        meta[case["name"]] = json.dumps({k: case[k] for k in ("cell", "num_layers", "bidirectional", "state")}
                                        | {"heads": case.get("heads", 1)}, sort_keys=True)
    buf = st_serialize(tensors, meta)
    os.makedirs(os.path.join(out_dir, "xlstm"), exist_ok=True)     # a folder of its own: the per-case fixtures stay alone
    path = os.path.join(out_dir, "xlstm", "xlstm.safetensors")
    with open(path, "wb") as fh:
        fh.write(buf)
    with open(path, "rb") as fh:
        back, meta_back = st_parse(fh.read())
    assert meta_back == meta and list(back.keys()) == [n for n, _ in tensors]
    print("%s: %d tensors, %d bytes, sha256 %s" % (path, len(tensors), len(buf), hashlib.sha256(buf).hexdigest()))
    return 0


# --------------------------------------------------------------------------
# Attention over encoder outputs (Bahdanau et al. 2015; Luong et al. 2015):
# scores, a masked softmax over the source positions and the context. One file,
# attention/attention.safetensors, written with --attention; nothing else is touched.
# --------------------------------------------------------------------------

def attention_forward(case, t):
    """Returns (context [B,T,Hk], weights [B,T,S]) for queries t["q"] [B,T,Hq] over values t["h"] [B,S,Hk]."""
    q, h = t["q"], t["h"]
    B, T, _ = q.shape
    S = h.shape[1]
    e = np.zeros((B, T, S))
    for b in range(B):                      # scores one (t, j) pair at a time, written from the papers
        for i in range(T):
            for j in range(S):
                if case["kind"] == "bahdanau":
                    a = mm(t["query.weight"], q[b, i]) + mm(t["key.weight"], h[b, j])
                    e[b, i, j] = mm(t["v.weight"], np.tanh(a))[0]
                elif case["kind"] == "luong_dot":
                    e[b, i, j] = mm(q[b, i], h[b, j])
                else:                       # luong_general
                    e[b, i, j] = mm(q[b, i], mm(t["weight"], h[b, j]))
    alpha = np.zeros((B, T, S))
    for b in range(B):
        n = int(t["lengths"][b])            # positions n.. are padding: weight exactly 0, never read
        z = e[b, :, :n] - e[b, :, :n].max(axis=1, keepdims=True)
        alpha[b, :, :n] = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return np.einsum("btj,bjk->btk", alpha, h), alpha


def attention_cases():
    return [
        dict(name="bahdanau_lengths", kind="bahdanau", B=3, T=2, S=4, Hq=4, Hk=3, A=5, lengths=[4, 2, 3]),
        dict(name="bahdanau_one_step_full", kind="bahdanau", B=2, T=1, S=3, Hq=3, Hk=4, A=2, lengths=None),
        dict(name="luong_dot_lengths", kind="luong_dot", B=3, T=3, S=4, Hq=4, Hk=4, lengths=[4, 1, 3]),
        dict(name="luong_general_lengths", kind="luong_general", B=2, T=3, S=5, Hq=4, Hk=3, lengths=[2, 5]),
    ]


def attention_tensors(case):
    rng = np.random.default_rng(zlib.crc32(("attention#" + case["name"]).encode()))
    B, T, S, Hq, Hk = case["B"], case["T"], case["S"], case["Hq"], case["Hk"]
    U = lambda *sh: rng.uniform(-PARAM_RANGE, PARAM_RANGE, size=sh)
    if case["kind"] == "bahdanau":          # jrnn's names (torch.nn.Linear layout, no biases)
        params = [("query.weight", U(case["A"], Hq)), ("key.weight", U(case["A"], Hk)), ("v.weight", U(1, case["A"]))]
    elif case["kind"] == "luong_general":
        params = [("weight", U(Hq, Hk))]
    else:
        params = []
    t = dict(params)
    t["q"] = rng.standard_normal((B, T, Hq))
    t["h"] = rng.standard_normal((B, S, Hk))   # padding positions hold values too: they must not be read
    t["lengths"] = np.asarray(case["lengths"] if case["lengths"] else [S] * B, dtype=np.float64)
    ctx, alpha = attention_forward(case, t)
    t["gctx"] = rng.uniform(-1, 1, ctx.shape)
    t["galpha"] = rng.uniform(-1, 1, alpha.shape)

    def loss():
        c, a = attention_forward(case, t)
        return np.sum(c * t["gctx"]) + np.sum(a * t["galpha"])

    grads = []
    for name in [n for n, _ in params] + ["q", "h"]:
        grads.append(("grad." + name, fd_grad(t, name, loss)))
    for b in range(B):                      # sanity: rows sum to 1, padding gets weight 0 and gradient 0
        n = int(t["lengths"][b])
        assert np.allclose(alpha[b].sum(axis=1), 1.0) and not alpha[b, :, n:].any()
        assert np.abs(dict(grads)["grad.h"][b, n:]).max(initial=0.0) < 1e-9
    named = params + [(k, t[k]) for k in ("q", "h", "lengths", "gctx", "galpha")]
    named += [("context", ctx), ("weights", alpha)] + grads
    return [(case["name"] + "." + n, a) for n, a in named]


def make_attention(out_dir):
    tensors, meta = [], {"generator": "tools/golden/make_golden.py --attention", "format_version": FORMAT_VERSION,
                         "loss": "sum(context*gctx) + sum(weights*galpha); gradients by central differences, eps 1e-6"}
    for case in attention_cases():
        tensors += attention_tensors(case)
        meta[case["name"]] = json.dumps({k: v for k, v in case.items() if k not in ("name", "lengths")}, sort_keys=True)
    buf = st_serialize(tensors, meta)
    os.makedirs(os.path.join(out_dir, "attention"), exist_ok=True)
    path = os.path.join(out_dir, "attention", "attention.safetensors")
    with open(path, "wb") as fh:
        fh.write(buf)
    with open(path, "rb") as fh:
        back, meta_back = st_parse(fh.read())
    assert meta_back == meta and list(back.keys()) == [n for n, _ in tensors]
    for n, a in tensors:
        assert back[n].tobytes() == np.ascontiguousarray(a, dtype="<f8").tobytes(), n
    print("%s: %d tensors, %d bytes, sha256 %s" % (path, len(tensors), len(buf), hashlib.sha256(buf).hexdigest()))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--xlstm", action="store_true", help="write only xlstm/xlstm.safetensors (sLSTM, mLSTM)")
    ap.add_argument("--attention", action="store_true",
                    help="write only attention/attention.safetensors (Bahdanau, Luong dot/general)")
    ap.add_argument("--only", default=None,
                    help="regenerate only the cases whose names start with this prefix; index.json keeps the other entries")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.xlstm:
        return make_xlstm(args.out)
    if args.attention:
        return make_attention(args.out)
    reader_selftest()
    print("TTT inner gradient (LayerNorm Jacobian) vs FD: max |diff| = %.2e" % ttt_inner_grad_selftest())
    cases = build_cases()
    names = [c["name"] for c in cases]
    assert len(set(names)) == len(names)
    old = {}
    if args.only:
        cases = [c for c in cases if c["name"].startswith(args.only)]
        with open(os.path.join(args.out, "index.json"), encoding="utf-8") as fh:
            old = {e["file"]: e for e in json.load(fh)["cases"]}
    index = {"format_version": FORMAT_VERSION, "generator": "tools/golden/make_golden.py",
             "input_size": INPUT_SIZE, "hidden_size": HIDDEN_SIZE, "cases": []}
    total = 0
    worst_bptt = 0.0
    for case in cases:
        tensors, meta, info = make_case(case)
        buf = st_serialize(tensors, meta)
        fname = case["name"] + ".safetensors"
        path = os.path.join(args.out, fname)
        with open(path, "wb") as fh:
            fh.write(buf)
        # round trip: re-read from disk with the strict reader, compare bit-exactly
        with open(path, "rb") as fh:
            back, meta_back = st_parse(fh.read())
        assert meta_back == meta, fname
        assert list(back.keys()) == [n for n, _ in tensors], fname
        for n, a in tensors:
            assert back[n].dtype == np.float64 and back[n].shape == a.shape, (fname, n)
            assert back[n].tobytes() == np.ascontiguousarray(a, dtype="<f8").tobytes(), (fname, n)
        # the stored values reproduce the stored outputs
        case_t = dict(back)
        out, hn, cn = forward(case, case_t)
        assert np.array_equal(out, back["output"]) and np.array_equal(hn, back["h_n"]), fname
        total += len(buf)
        extra = ""
        if "bptt_max_abs_diff" in info:
            worst_bptt = max(worst_bptt, info["bptt_max_abs_diff"])
            extra = "  |FD-BPTT|max=%.2e" % info["bptt_max_abs_diff"]
        if case["cell"] in ("rnn_relu", "min_gru", "min_lstm"):
            extra += "  min|relu preact|=%.2e" % info["min_relu_abs"]
        print("%-40s %6d bytes%s" % (fname, len(buf), extra))
        old.pop(fname, None)
        index["cases"].append({
            "file": fname,
            "sha256": hashlib.sha256(buf).hexdigest(),
            "metadata": meta,
            "tensors": {n: list(a.shape) for n, a in tensors},
        })
    index["cases"] = list(old.values()) + index["cases"] if args.only else index["cases"]
    if args.only:                                         # the full run's order: build_cases()
        order = {c["name"] + ".safetensors": j for j, c in enumerate(build_cases())}
        index["cases"].sort(key=lambda e: order.get(e["file"], len(order)))
    with open(os.path.join(args.out, "index.json"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(format_index(index))
    print("%d cases, %d bytes total; max |FD - hand BPTT| over LSTM cases = %.2e"
          % (len(cases), total, worst_bptt))
    if worst_bptt > 1e-7:
        print("ERROR: FD and BPTT disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
