#!/usr/bin/env python3
"""Golden fixtures for jrnn's projected LSTM (PyTorch's proj_size), computed by torch.nn.LSTM itself.

make_golden.py is numpy-only; torch is the reference here because the point is to match PyTorch's
weight_hr_l{k} layout exactly. Each case is a float64 torch.nn.LSTM(batch_first=True, proj_size=P) with
random parameters; the file holds its state_dict under PyTorch's names, the inputs, the outputs, upstream
gradients (gout, ghn, gcn) and the gradients of  sum(output*gout) + sum(h_n*ghn) + sum(c_n*gcn)  with
respect to every parameter and input ("grad.<name>"). Variable lengths go through pack_padded_sequence.

    /usr/bin/python3 tools/golden/make_proj_golden.py   # needs torch (Debian: apt-get install python3-torch)

Writes jrnn-core/src/test/resources/golden-proj/*.safetensors; read by GoldenProjectionTest.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_golden import st_serialize  # noqa: E402  (the same strict writer as the other fixtures)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "jrnn-core", "src", "test", "resources", "golden-proj")

# name, input, hidden, proj, layers, bidirectional, bias, batch, time, h0, lengths
CASES = [
    ("lstm_proj_l1", 3, 5, 2, 1, False, True, 2, 4, False, None),
    ("lstm_proj_l2_bi_h0_lengths", 3, 5, 3, 2, True, True, 3, 4, True, [4, 1, 3]),
    ("lstm_proj_l2_nobias_h0", 2, 4, 1, 2, False, False, 2, 3, True, None),
]


def make(name, inp, hidden, proj, layers, bi, bias, batch, time, with_h0, lengths):
    torch.manual_seed(sum(map(ord, name)))
    lstm = torch.nn.LSTM(inp, hidden, num_layers=layers, bias=bias, batch_first=True, bidirectional=bi,
                         proj_size=proj).double()
    ld = layers * (2 if bi else 1)
    x = torch.randn(batch, time, inp, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(ld, batch, proj, dtype=torch.float64, requires_grad=True) if with_h0 else None
    c0 = torch.randn(ld, batch, hidden, dtype=torch.float64, requires_grad=True) if with_h0 else None
    state = (h0, c0) if with_h0 else None
    if lengths is None:
        out, (hn, cn) = lstm(x, state)
    else:
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), batch_first=True,
                                                         enforce_sorted=False)
        out, (hn, cn) = lstm(packed, state)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=time)
    gout, ghn, gcn = torch.randn_like(out), torch.randn_like(hn), torch.randn_like(cn)
    loss = (out * gout).sum() + (hn * ghn).sum() + (cn * gcn).sum()
    loss.backward()
    tensors = [(k, v.detach().numpy()) for k, v in lstm.state_dict().items()]
    tensors += [("x", x.detach().numpy())]
    if with_h0:
        tensors += [("h0", h0.detach().numpy()), ("c0", c0.detach().numpy())]
    tensors += [("output", out.detach().numpy()), ("h_n", hn.detach().numpy()), ("c_n", cn.detach().numpy()),
                ("gout", gout.numpy()), ("ghn", ghn.numpy()), ("gcn", gcn.numpy())]
    tensors += [("grad." + k, p.grad.numpy()) for k, p in lstm.named_parameters()]
    tensors += [("grad.x", x.grad.numpy())]
    if with_h0:
        tensors += [("grad.h0", h0.grad.numpy()), ("grad.c0", c0.grad.numpy())]
    meta = {"input_size": str(inp), "hidden_size": str(hidden), "proj_size": str(proj), "num_layers": str(layers),
            "bidirectional": str(bi).lower(), "bias": str(bias).lower(),
            "lengths": "" if lengths is None else ",".join(map(str, lengths)),
            "generator": "tools/golden/make_proj_golden.py", "torch": torch.__version__}
    path = os.path.join(OUT, name + ".safetensors")
    with open(path, "wb") as f:
        f.write(st_serialize(tensors, meta))
    print("%s: %d tensors, %d bytes" % (path, len(tensors), os.path.getsize(path)))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for c in CASES:
        make(*c)
