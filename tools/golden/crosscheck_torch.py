#!/usr/bin/env python3
"""Optional cross-check of the golden fixtures against PyTorch (float64).

Skips (exit 0) when torch is not importable. torch is never used to generate
fixtures; this only re-computes what make_golden.py stored:

* rnn_tanh / rnn_relu / lstm / gru: torch.nn.RNN/LSTM/GRU built from the
  fixture's weights with load_state_dict(strict=True) (so the tensor names and
  shapes are checked too); variable lengths go through
  pack_padded_sequence(enforce_sorted=False) / pad_packed_sequence.
* keras_lstm, keras_gru (reset_after=True), keras_simple_rnn: mapped onto the
  torch modules (kernel.T, column blocks z,r,h -> rows r,z,n, bias -> bias_ih,
  recurrent bias -> bias_hh or 0) with gradients flowing back to the Keras
  tensors, which checks the Keras<->torch correspondence claimed in README.md.
* keras_gru (reset_after=False), minimal_gru, peephole_lstm: no torch module
  exists; they are re-written as a torch autograd loop.

Gradients come from autograd, values are compared with the stored F64 ones.
Usage: python3 tools/golden/crosscheck_torch.py [--dir DIR]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_golden as mg  # noqa: E402

try:
    import torch
    from torch import nn
    from torch.func import functional_call
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
except Exception as e:  # pragma: no cover
    print("torch not available (%s): cross-check skipped" % e)
    sys.exit(0)

torch.set_default_dtype(torch.float64)


def T(a, grad=False):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


def run_module(mod, params, x, h0, c0, lengths, total_T):
    hx = None
    if h0 is not None:
        hx = (h0, c0) if isinstance(mod, nn.LSTM) else h0
    inp = x
    if lengths is not None:
        inp = pack_padded_sequence(x, torch.as_tensor(lengths, dtype=torch.int64), batch_first=True,
                                   enforce_sorted=False)
    out, st = functional_call(mod, params, (inp, hx))
    if lengths is not None:
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=total_T)
    if isinstance(mod, nn.LSTM):
        return out, st[0], st[1]
    return out, st, None


def torch_module(meta):
    I, H = int(meta["input_size"]), int(meta["hidden_size"])
    L = int(meta["num_layers"])
    kw = dict(num_layers=L, bias=meta["bias"] == "true", batch_first=True,
              bidirectional=meta["bidirectional"] == "true", dtype=torch.float64)
    cell = meta["cell"]
    if cell in ("rnn_tanh", "keras_simple_rnn"):
        return nn.RNN(I, H, nonlinearity="tanh", **kw)
    if cell == "rnn_relu":
        return nn.RNN(I, H, nonlinearity="relu", **kw)
    if cell in ("lstm", "keras_lstm"):
        return nn.LSTM(I, H, **kw)
    if cell == "gru" or (cell == "keras_gru" and meta["reset_after"] == "true"):
        return nn.GRU(I, H, **kw)
    return None


def manual_forward(meta, w, x, h0, c0):
    """Loop implementations for cells torch has no module for (1 layer, 1 dir)."""
    cell = meta["cell"]
    B, Tn, H = x.shape[0], x.shape[1], int(meta["hidden_size"])
    h = h0[0] if h0 is not None else torch.zeros(B, H)
    c = c0[0] if c0 is not None else torch.zeros(B, H)
    outs = []
    for t in range(Tn):
        xt = x[:, t]
        if cell == "keras_gru":  # reset_after = False
            K, R, b = w["keras.kernel"], w["keras.recurrent_kernel"], w["keras.bias"]
            Kz, Kr, Kh = K[:, :H], K[:, H:2 * H], K[:, 2 * H:]
            Rz, Rr, Rh = R[:, :H], R[:, H:2 * H], R[:, 2 * H:]
            z = torch.sigmoid(xt @ Kz + h @ Rz + b[:H])
            r = torch.sigmoid(xt @ Kr + h @ Rr + b[H:2 * H])
            hh = torch.tanh(xt @ Kh + (r * h) @ Rh + b[2 * H:])
            h = z * h + (1 - z) * hh
        elif cell == "minimal_gru":
            a = xt @ w["weight_ih_l0"].T + w["bias_ih_l0"] + h @ w["weight_hh_l0"].T + w["bias_hh_l0"]
            u, ct = torch.sigmoid(a[:, :H]), torch.tanh(a[:, H:])
            h = u * ct + (1 - u) * h
        elif cell == "peephole_lstm":
            a = xt @ w["weight_ih_l0"].T + w["bias_ih_l0"] + h @ w["weight_hh_l0"].T + w["bias_hh_l0"]
            P = w["weight_peephole_l0"]
            i = torch.sigmoid(a[:, :H] + P[0] * c)
            f = torch.sigmoid(a[:, H:2 * H] + P[1] * c)
            g = torch.tanh(a[:, 2 * H:3 * H])
            c = f * c + i * g
            o = torch.sigmoid(a[:, 3 * H:] + P[2] * c)
            h = o * torch.tanh(c)
        else:
            raise ValueError(cell)
        outs.append(h)
    cn = c.unsqueeze(0) if cell == "peephole_lstm" else None
    return torch.stack(outs, 1), h.unsqueeze(0), cn


def check_file(path):
    with open(path, "rb") as fh:
        t, meta = mg.st_parse(fh.read())
    cell = meta["cell"]
    H = int(meta["hidden_size"])
    x = T(t["x"], True)
    h0 = T(t["h0"], True) if "h0" in t else None
    c0 = T(t["c0"], True) if "c0" in t else None
    lengths = [int(v) for v in t["lengths"]] if "lengths" in t else None
    weight_names = [n[len("grad."):] for n in t if n.startswith("grad.")
                    and n[len("grad."):] not in ("x", "h0", "c0")]
    leaves = {n: T(t[n], True) for n in weight_names}
    mod = torch_module(meta)
    if mod is not None and meta["layout"] == "torch":
        sd_names = list(mod.state_dict().keys())
        if sorted(sd_names) != sorted(weight_names):
            raise AssertionError("state_dict names %s != fixture %s" % (sd_names, weight_names))
        mod.load_state_dict({n: torch.tensor(t[n]) for n in sd_names}, strict=True)
        out, hn, cn = run_module(mod, leaves, x, h0, c0, lengths, x.shape[1])
    elif mod is not None:  # keras mapped onto torch
        K, R, b = leaves["keras.kernel"], leaves["keras.recurrent_kernel"], leaves["keras.bias"]
        if cell == "keras_gru":
            perm = torch.cat([torch.arange(H, 2 * H), torch.arange(0, H), torch.arange(2 * H, 3 * H)])
            params = {"weight_ih_l0": K[:, perm].T, "weight_hh_l0": R[:, perm].T,
                      "bias_ih_l0": b[0][perm], "bias_hh_l0": b[1][perm]}
        else:
            params = {"weight_ih_l0": K.T, "weight_hh_l0": R.T, "bias_ih_l0": b,
                      "bias_hh_l0": torch.zeros_like(b)}
        out, hn, cn = run_module(mod, params, x, h0, c0, lengths, x.shape[1])
    else:
        out, hn, cn = manual_forward(meta, leaves, x, h0, c0)
    loss = (out * T(t["gout"])).sum() + (hn * T(t["ghn"])).sum()
    if cn is not None:
        loss = loss + (cn * T(t["gcn"])).sum()
    loss.backward()
    out, hn = out.detach(), hn.detach()
    cn = None if cn is None else cn.detach()
    fwd = max(float((out - T(t["output"])).abs().max()), float((hn - T(t["h_n"])).abs().max()))
    if cn is not None:
        fwd = max(fwd, float((cn - T(t["c_n"])).abs().max()))
    grads = {"x": x.grad}
    if h0 is not None:
        grads["h0"] = h0.grad
    if c0 is not None:
        grads["c0"] = c0.grad
    grads.update({n: leaves[n].grad for n in weight_names})
    gmax = 0.0
    for n, g in grads.items():
        ref = T(t["grad." + n])
        g = torch.zeros_like(ref) if g is None else g
        gmax = max(gmax, float((g - ref).abs().max()))
    return meta["cell"], fwd, gmax


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=mg.DEFAULT_OUT)
    args = ap.parse_args()
    with open(os.path.join(args.dir, "index.json"), encoding="utf-8") as fh:
        index = json.load(fh)
    print("torch", torch.__version__)
    worst_f, worst_g = 0.0, 0.0
    for entry in index["cases"]:
        cell, f, g = check_file(os.path.join(args.dir, entry["file"]))
        worst_f, worst_g = max(worst_f, f), max(worst_g, g)
        print("%-42s forward max|d|=%.2e  grad max|d|=%.2e" % (entry["file"], f, g))
    print("ALL: forward max|d|=%.2e  grad max|d|=%.2e" % (worst_f, worst_g))
    ok = worst_f < 1e-12 and worst_g < 1e-7
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
