#!/usr/bin/python3
"""Reference outputs for the Keras model files in ../shared/data/keras-models/ that have none of their own.

A NumPy forward pass written from the Keras equations (not from jrnn's code), on the weights read with h5py, for a
small seeded input per model. Writes one JSON file per model into jrnn-keras/src/test/resources/keras-reference/:
{"model": path, "inputs": [{"shape", "data"}], "outputs": [{"layer", "shape", "data"}]}.

Run from the repository root with Debian's python3-h5py and python3-numpy:
    /usr/bin/python3 tools/keras_reference.py ../shared/data/keras-models
"""
import io
import json
import os
import sys
import zipfile

import h5py
import numpy as np

OUT = "jrnn-keras/src/test/resources/keras-reference"


def act(name, keras3):
    return {
        "tanh": np.tanh,
        "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
        "hard_sigmoid": (lambda x: np.clip(x / 6 + 0.5, 0, 1)) if keras3 else (lambda x: np.clip(0.2 * x + 0.5, 0, 1)),
        "relu": lambda x: np.maximum(x, 0),
        "linear": lambda x: x,
        "softmax": lambda x: np.exp(x - x.max(-1, keepdims=True)) / np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True),
    }[name]


def keras1_fuse(names, ws, gates):
    """Keras 1 per-gate W_g, U_g, b_g (by name) -> fused kernel, recurrent_kernel, bias in Keras 2 gate order."""
    pick = lambda kind, g: ws[[i for i, n in enumerate(names) if n.endswith("_%s_%s:0" % (kind, g))][0]]
    return [np.concatenate([pick(k, g) for g in gates], axis=-1 if k != "b" else 0) for k in "WUb"]


def rnn(cls, cfg, ws, x, valid, keras3, backwards=False):
    """One Keras recurrent layer over x [B, T, I]; valid [B, T] booleans (masked steps keep the state)."""
    units = cfg.get("units", cfg.get("output_dim"))
    a = act(cfg.get("activation", "tanh"), keras3)
    ra = act(cfg.get("recurrent_activation", cfg.get("inner_activation", "sigmoid" if keras3 else "hard_sigmoid")), keras3)
    kernel, rk = ws[0], ws[1]
    bias = ws[2] if len(ws) > 2 else np.zeros(kernel.shape[1:] if cls != "GRU" or not cfg.get("reset_after") else (2, kernel.shape[1]))
    B, T, _ = x.shape
    h = np.zeros((B, units))
    c = np.zeros((B, units))
    outs = np.zeros((B, T, units))
    order = range(T - 1, -1, -1) if backwards else range(T)
    for k, t in enumerate(order):
        xt = x[:, t]
        if cls == "SimpleRNN":
            hn, cn = a(xt @ kernel + bias + h @ rk), c
        elif cls == "LSTM":
            z = xt @ kernel + bias + h @ rk
            i, f, g, o = (z[:, j * units:(j + 1) * units] for j in range(4))
            cn = ra(f) * c + ra(i) * a(g)
            hn = ra(o) * a(cn)
        else:
            if cfg.get("reset_after"):
                xz = xt @ kernel + bias[0]
                hz = h @ rk + bias[1]
                z = ra(xz[:, :units] + hz[:, :units])
                r = ra(xz[:, units:2 * units] + hz[:, units:2 * units])
                n = a(xz[:, 2 * units:] + r * hz[:, 2 * units:])
            else:
                xz = xt @ kernel + bias
                z = ra(xz[:, :units] + h @ rk[:, :units])
                r = ra(xz[:, units:2 * units] + h @ rk[:, units:2 * units])
                n = a(xz[:, 2 * units:] + (r * h) @ rk[:, 2 * units:])
            hn, cn = z * h + (1 - z) * n, c
        m = valid[:, t:t + 1]
        h, c = np.where(m, hn, h), np.where(m, cn, c)
        outs[:, k] = np.where(m, hn, 0)
    return outs, h


def run(path, root):
    keras3 = path.endswith(".keras")
    if keras3:
        z = zipfile.ZipFile(os.path.join(root, path))
        config = json.loads(z.read("config.json"))
        h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")

        def weights(name):
            out = []

            def walk(g):
                if "vars" in g:
                    out.extend(np.array(g["vars"][str(i)], dtype=np.float64) for i in range(len(g["vars"])))
                for k in sorted(g.keys(), key=lambda k: 0 if k.startswith("forward") else 2 if k.startswith("backward") else 1):
                    if k != "vars" and isinstance(g[k], h5py.Group):
                        walk(g[k])
            if name in h5["layers"]:
                walk(h5["layers"][name])
            return out, [str(i) for i in range(len(out))]
    else:
        h5 = h5py.File(os.path.join(root, path), "r")
        config = json.loads(h5.attrs["model_config"])
        mw = h5["model_weights"]

        def weights(name):
            if name not in mw:
                return [], []
            names = [n.decode() if isinstance(n, bytes) else n for n in mw[name].attrs.get("weight_names", [])]
            return [np.array(mw[name][n], dtype=np.float64) for n in names], names
    keras1 = not keras3 and str(h5.attrs.get("keras_version", b"")).lstrip("b'").startswith("1.")
    cfg = config["config"]
    if config["class_name"] == "Sequential":
        layers = cfg if isinstance(cfg, list) else cfg["layers"]
        graph = []
        prev = "input"
        for L in layers:
            if L["class_name"] == "InputLayer":
                prev = L["config"]["name"]
                continue
            graph.append((L, [prev]))
            prev = L["config"]["name"]
        inputs, outputs = [graph[0][1][0]], [prev]
        first = layers[0]["config"]
    else:
        graph = [(L, [n[0] for n in L["inbound_nodes"][0]]) for L in cfg["layers"] if L["inbound_nodes"]]
        inputs = [r[0] for r in cfg["input_layers"]]
        outputs = [r[0] for r in cfg["output_layers"]]
        first = [L for L in cfg["layers"] if L["class_name"] == "InputLayer"][0]["config"]
    shape = first.get("batch_input_shape", first.get("batch_shape"))
    rng = np.random.default_rng(13)
    B = 3
    if shape is None or len(shape) == 2:      # token ids
        T = (shape or [None, 5])[1] or 5
        vocab = layers[0]["config"]["input_dim"]
        x = rng.integers(0, vocab, size=(B, T)).astype(np.float64)
    else:
        T = min(shape[1] or 5, 5)
        x = rng.uniform(-2, 2, size=(B, T, shape[2]))
    if any(L["class_name"] == "Masking" for L, _ in graph):
        x[1, T - 2:] = 0.0                    # sequence 1 padded at the end
        x[2, T - 1:] = 0.0
    values = {inputs[0]: (x, np.ones((B, T), dtype=bool))}
    for L, inbound in graph:
        cls, c, name = L["class_name"], L["config"], L["config"]["name"]
        v, valid = values[inbound[0]]
        ws, names = weights(name)
        if cls == "Masking":
            out = (v, np.any(v != 0.0, axis=-1))
        elif cls == "Embedding":
            out = (ws[0][v.astype(int)], v != 0 if c.get("mask_zero") else valid)
        elif cls in ("SimpleRNN", "LSTM", "GRU"):
            if keras1 and cls != "SimpleRNN":
                ws = keras1_fuse(names, ws, "ifco" if cls == "LSTM" else "zrh")
            seq, h = rnn(cls, c, ws, v, valid, keras3)
            out = (seq, valid) if c.get("return_sequences") else (h, None)
        elif cls == "Bidirectional":
            sub = c["layer"]
            half = len(ws) // 2
            wf, wb = ws[:half], ws[half:]
            if keras1:
                g = "ifco" if sub["class_name"] == "LSTM" else "zrh"
                wf, wb = keras1_fuse(names[:half], wf, g), keras1_fuse(names[half:], wb, g)
            sf, hf = rnn(sub["class_name"], sub["config"], wf, v, valid, keras3)
            # the backward layer reads each sequence from its last valid step
            lens = valid.sum(1)
            xr = np.stack([np.concatenate([v[b, :lens[b]][::-1], v[b, lens[b]:]]) for b in range(B)])
            sb, hb = rnn(sub["class_name"], sub["config"], wb, xr, valid, keras3)
            sb = np.stack([np.concatenate([sb[b, :lens[b]][::-1], sb[b, lens[b]:]]) for b in range(B)])
            if sub["config"].get("return_sequences"):
                out = (np.concatenate([sf, sb], -1), valid)
            else:
                out = (np.concatenate([hf, hb], -1), None)
        elif cls == "Dense":
            y = v @ ws[0] + (ws[1] if len(ws) > 1 else 0)
            out = (act(c.get("activation", "linear"), keras3)(y), valid)
        elif cls == "Activation":
            out = (act(c["activation"], keras3)(v), valid)
        elif cls in ("Dropout", "Flatten"):
            out = (v.reshape(B, -1) if cls == "Flatten" else v, valid)
        else:
            raise SystemExit("%s: no reference for layer class %s" % (path, cls))
        values[name] = out
    doc = {"model": path,
           "inputs": [{"shape": list(x.shape), "data": [float(f) for f in x.ravel()]}],
           "outputs": [{"layer": o, "shape": list(values[o][0].shape),
                        "data": [float("%.9g" % f) for f in values[o][0].ravel()]} for o in outputs]}
    name = path.replace("/", "__").rsplit(".", 1)[0] + ".json"
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(doc, f)
    print(path, "->", name, [o["shape"] for o in doc["outputs"]])


MODELS = ["dl4j/bidirectional_lstm_tensorflow_1.h5", "dl4j/bidirectional_lstm_tensorflow_2.h5",
          "dl4j/embedding_lstm_tensorflow_2.h5", "dl4j/masking_zero_lstm.h5", "dl4j/lstm_functional_tf_keras_2.h5",
          "dl4j/rnn_29.h5", "forward/gru.h5", "forward/bidirectional_gru.h5", "trafficflow/gru.h5", "keras3/model.keras"]

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for m in MODELS:
        run(m, sys.argv[1])
