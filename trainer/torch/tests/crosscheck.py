"""The torch side of the cross-check with the Go trainer
(crosscheck_test.go). For each case directory the Go test wrote —
case.json (arch, method, rank, targets, seed, dtype, ids, targets),
base.safetensors and adapters.safetensors with the Go trainer's tensor
names — it builds the built-in model with this worker's adapters, loads
the same weights, runs the forward and backward pass, and writes out.json:
the logits, the summed loss and the gradient of every trained adapter
tensor, by the Go name. A directory with tokenizer.json and texts.json
gets tokens.json: the Go BPE tokenizer's encodings of the texts, redone
here."""

from __future__ import annotations

import json
import os
import sys

import torch
import torch.nn.functional as F

from tiedlora_worker import adapters as adp
from tiedlora_worker.model import build
from tiedlora_worker.safetensors_io import read
from tiedlora_worker.spec import Arch, Method
from tiedlora_worker.tokenizer import ByteBPE


def our_name(go_name: str) -> str:
    """adapter.<target>.<C>[.<layer>] → sets.<target>.<C>[_<layer>]."""
    parts = go_name.split(".")
    target, comp = parts[1], parts[2]
    return f"{target}.{comp}" + (f"_{parts[3]}" if len(parts) == 4 else "")


def model_case(d: str) -> None:
    with open(os.path.join(d, "case.json"), encoding="utf-8") as f:
        c = json.load(f)
    dtype = {"float32": torch.float32, "float64": torch.float64}[c["dtype"]]
    a = Arch.from_json(c["arch"])
    model = build(a, os.path.join(d, "base.safetensors"), dtype)
    ad = adp.attach(model, a, Method.from_json(c["method"]), c["rank"], c["targets"], c["seed"])
    ad.to(dtype)
    ours = {f"{t}.{n}": x for t, s in ad.sets.items() for n, x in list(s.named_parameters()) + list(s.named_buffers())}
    go = read(os.path.join(d, "adapters.safetensors"))
    if set(map(our_name, go)) != set(ours):
        raise SystemExit(f"{d}: Go tensors {sorted(map(our_name, go))}, ours {sorted(ours)}")
    with torch.no_grad():
        for n, t in go.items():
            ours[our_name(n)].copy_(t)
    b, t = c["batch"], c["t"]
    ids = torch.tensor(c["ids"]).reshape(b, t)
    tgt = torch.tensor(c["targets_ids"]).reshape(b, t)
    logits = model(ids)
    loss = F.cross_entropy(logits.reshape(b * t, -1), tgt.reshape(-1), ignore_index=-1, reduction="sum")
    if loss.requires_grad:  # a reference method (the base alone) trains nothing
        loss.backward()
    grads = {n: ours[our_name(n)].grad.reshape(-1).tolist() for n in go if ours[our_name(n)].grad is not None}
    with open(os.path.join(d, "out.json"), "w", encoding="utf-8") as f:
        json.dump({"logits": logits.detach().reshape(-1).tolist(), "loss": float(loss), "grads": grads}, f)


def tokenizer_case(d: str) -> None:
    tok = ByteBPE.load(os.path.join(d, "tokenizer.json"))
    with open(os.path.join(d, "texts.json"), encoding="utf-8") as f:
        texts = json.load(f)
    with open(os.path.join(d, "tokens.json"), "w", encoding="utf-8") as f:
        json.dump([tok.encode(s) for s in texts], f)


def main() -> None:
    torch.set_num_threads(1)
    for d in sys.argv[1:]:
        if os.path.exists(os.path.join(d, "case.json")):
            model_case(d)
        else:
            tokenizer_case(d)


if __name__ == "__main__":
    main()
