"""Exports a trained adapter as a standard Hugging Face PEFT LoRA adapter:

    python -m tiedlora_worker.export --spec ATTEMPT/spec.json --out DIR
        [--checkpoint ATTEMPT/checkpoints/step-N.pt] [--tensors best|last] [--model PATH]

Every Tied-LoRA configuration is a per-layer LoRA: layer l's update is
(v_l ⊙ B_l)((u_l ⊙ A_l) x), so PEFT's lora_A = diag(u_l)·A_l and lora_B =
diag(v_l)·B_l with s = α/r = 1 folded in (lora_alpha = r). Tied tensors are
copied into every layer, frozen random A and B are regenerated from the
trial seed (they are not checkpointed), and a shared-A `qkv` target gives
q_proj, k_proj and v_proj each a copy of A_l and their rows of B_l. A module
that several targets add to gets their factors side by side (its rank is
the sum, in rank_pattern). DIR gets adapter_config.json and
adapter_model.safetensors, which `PeftModel.from_pretrained(base, DIR)`
loads. Only Hugging Face models: PEFT adapts transformers models.

Prints one JSON line: out, modules, rank, params, bytes.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import glob
import json
import os
import re
import sys
from typing import Any, Dict, List, Optional, Tuple

import torch
from torch import nn

from . import adapters as adp
from . import safetensors_io
from .spec import Spec, SpecError, load_spec

# (target, layer, rows [lo, hi) of the set's output, column offset in the module's output)
Add = Tuple[str, int, int, int, int]


def is_hf_model(path: str) -> bool:
    """What loading.load treats as a Hugging Face model: a config.json that
    is not the Go trainer's (which writes recipe.json beside it)."""
    return bool(path) and os.path.isfile(os.path.join(path, "config.json")) and \
        not os.path.isfile(os.path.join(path, "recipe.json"))


def skeleton(path: str) -> nn.Module:
    """The model's modules without its weights (accelerate's meta tensors
    when installed): export needs only the module names and shapes."""
    from transformers import AutoConfig, AutoModelForCausalLM

    try:
        from accelerate import init_empty_weights
    except ImportError:
        init_empty_weights = contextlib.nullcontext  # type: ignore[assignment]
    cfg = AutoConfig.from_pretrained(path)
    with init_empty_weights():
        return AutoModelForCausalLM.from_config(cfg)


def placements(model: nn.Module, spec: Spec) -> Dict[str, List[Add]]:
    """Module path → the additions of our adapters to its output, found by
    the worker's own adapters.places, so export follows its layouts."""
    path_of = {id(m): n for n, m in model.named_modules()}
    out: Dict[str, List[Add]] = collections.OrderedDict()
    for t in spec.targets:
        for layer, where in enumerate(adp.places(model, spec.arch, t)):
            for parent, name, lo, hi, off in where:
                p = path_of[id(parent)]
                out.setdefault(f"{p}.{name}" if p else name, []).append((t, layer, lo, hi, off))
    return out


def adapter_sets(spec: Spec, tensors: Dict[str, torch.Tensor]) -> adp.Adapters:
    """The trial's adapters as the worker built them (frozen random tensors
    regenerated from the seed), with the trained tensors loaded."""
    ad = adp.Adapters()
    for t in spec.targets:
        din, dout = spec.arch.target_shape(t)
        ad.sets[t] = adp.AdapterSet(spec.method, spec.rank, din, dout, spec.arch.layers, spec.seed, t)
    named = dict(ad.named_trainable())
    if set(tensors) != set(named):
        raise SpecError(f"the checkpoint holds {sorted(tensors)}, but {spec.method.name} on {spec.targets} trains "
                        f"{sorted(named)}")
    with torch.no_grad():
        for n, p in named.items():
            if tuple(tensors[n].shape) != tuple(p.shape):
                raise SpecError(f"checkpoint tensor {n} has shape {tuple(tensors[n].shape)}, want {tuple(p.shape)}")
            p.copy_(tensors[n])
    return ad


def newest_checkpoint(directory: str) -> str:
    found = glob.glob(os.path.join(directory, "checkpoints", "step-*.pt"))
    steps = {int(m.group(1)): p for p in found if (m := re.search(r"step-(\d+)\.pt$", p))}
    if not steps:
        raise SpecError(f"no checkpoint in {os.path.join(directory, 'checkpoints')}: the trial has not trained")
    return steps[max(steps)]


def read_checkpoint(path: str, which: str) -> Dict[str, torch.Tensor]:
    """The trained tensors of a worker checkpoint: `best` (at the best
    validation loss, what the worker evaluated; the default) or `last`."""
    blob = torch.load(path, map_location="cpu")
    if not isinstance(blob, dict) or "params" not in blob:
        raise SpecError(f"{path}: not a checkpoint of the PyTorch worker")
    if which == "best" and blob.get("best") is not None:
        return blob["best"]
    return blob["params"]


def lora_factors(ad: adp.Adapters, where: Dict[str, List[Add]], widths: Dict[str, int]
                 ) -> Dict[str, Tuple[torch.Tensor, torch.Tensor]]:
    """Module path → (lora_A (r × d_in), lora_B (d_out × r)) with
    lora_B @ lora_A = the sum of our updates to that module."""
    out = {}
    with torch.no_grad():
        for path, adds in where.items():
            As, blocks = [], []
            for target, layer, lo, hi, off in adds:
                a, b = ad.sets[target].factors(layer)  # (u ⊙ A, v ⊙ B), s = 1
                As.append(a)
                blocks.append((b[lo:hi], off))
            A = torch.cat(As, 0)
            B = torch.zeros(widths[path], A.shape[0])
            col = 0
            for (b, off), a in zip(blocks, As):
                B[off: off + b.shape[0], col: col + a.shape[0]] = b
                col += a.shape[0]
            out[path] = (A.float().contiguous(), B.float().contiguous())
    return out


def out_width(mod: nn.Module) -> int:
    """A projection's output width: nn.Linear's out_features, Conv1D's nf."""
    n = getattr(mod, "out_features", None)
    if n is None:
        n = getattr(mod, "nf", None)
    if not isinstance(n, int):
        raise SpecError(f"cannot tell the output width of a {type(mod).__name__}")
    return n


def target_modules(model: nn.Module, paths: List[str]) -> List[str]:
    """PEFT's target_modules: the modules' last names (q_proj, …) when those
    name exactly our modules, else the full paths (PEFT matches a list entry
    by equality or as a dotted suffix)."""
    ours = set(paths)
    names = {p.rsplit(".", 1)[-1] for p in paths}
    mods = dict(model.named_modules())
    matched = {n for n, m in mods.items() if n.rsplit(".", 1)[-1] in names and len(list(m.children())) == 0}
    return sorted(names) if matched == ours else sorted(ours)


def hf_model(spec: Spec, model_path: str = "") -> str:
    """The base model's directory, or why the trial cannot be exported."""
    path = model_path or spec.model_path
    if not is_hf_model(path):
        what = f"model.path {path}" if path else f"the built-in model ({spec.arch.name or 'from its arch'})"
        raise SpecError(f"export to PEFT needs a Hugging Face model (a directory with config.json), and trial "
                        f"{spec.raw.get('trial', '?')} uses {what}: PEFT loads adapters onto transformers models only")
    return path


def export(spec: Spec, checkpoint: str, out: str, which: str = "best", model_path: str = "") -> Dict[str, Any]:
    path = hf_model(spec, model_path)
    model = skeleton(path)
    where = placements(model, spec)
    mods = dict(model.named_modules())
    ad = adapter_sets(spec, read_checkpoint(checkpoint, which))
    factors = lora_factors(ad, where, {p: out_width(mods[p]) for p in where})

    ranks = {p: a.shape[0] for p, (a, _) in factors.items()}
    # r is the trial's rank; a module that several targets add to has a larger one, in rank_pattern.
    r = spec.rank if spec.rank in ranks.values() else collections.Counter(ranks.values()).most_common(1)[0][0]
    pattern = {p: k for p, k in ranks.items() if k != r}
    conv1d = any(type(mods[p]).__name__ == "Conv1D" for p in where)
    config = {
        "peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": path, "revision": None,
        "inference_mode": True, "r": r, "lora_alpha": r,  # scaling α/r = 1: u, v and s are folded into the factors
        "rank_pattern": pattern, "alpha_pattern": dict(pattern), "target_modules": target_modules(model, list(where)),
        "lora_dropout": 0.0, "fan_in_fan_out": conv1d, "bias": "none", "use_rslora": False, "use_dora": False,
        "modules_to_save": None, "init_lora_weights": True, "layers_to_transform": None, "layers_pattern": None,
    }
    tensors: Dict[str, torch.Tensor] = {}
    for p, (a, b) in factors.items():
        tensors[f"base_model.model.{p}.lora_A.weight"] = a
        tensors[f"base_model.model.{p}.lora_B.weight"] = b
    os.makedirs(out, exist_ok=True)
    meta = {"format": "pt", "tiedlora_method": spec.method.name, "tiedlora_rank": str(spec.rank),
            "tiedlora_seed": str(spec.seed), "tiedlora_trial": str(spec.raw.get("trial", "")),
            "tiedlora_targets": ",".join(spec.targets), "tiedlora_tensors": which}
    st = os.path.join(out, "adapter_model.safetensors")
    safetensors_io.write(st, tensors, meta)
    cfg_path = os.path.join(out, "adapter_config.json")
    with open(cfg_path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    os.replace(cfg_path + ".tmp", cfg_path)
    return {"out": out, "modules": len(factors), "rank": r, "params": sum(t.numel() for t in tensors.values()),
            "bytes": os.path.getsize(st), "checkpoint": checkpoint, "tensors": which}


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tiedlora_worker.export", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spec", required=True, help="the attempt's spec.json")
    ap.add_argument("--checkpoint", default="", help="default: the newest checkpoints/step-N.pt beside the spec")
    ap.add_argument("--out", required=True, help="directory for adapter_config.json and adapter_model.safetensors")
    ap.add_argument("--tensors", choices=("best", "last"), default="best",
                    help="best: at the best validation loss, what the worker evaluated (default); last: the last step's")
    ap.add_argument("--model", default="", help="the base model directory (default: the spec's model.path)")
    args = ap.parse_args(argv)
    try:
        spec = load_spec(args.spec)
        hf_model(spec, args.model)  # before looking for a checkpoint: the clearer reason
        ckpt = args.checkpoint or newest_checkpoint(os.path.dirname(os.path.abspath(args.spec)))
        res = export(spec, ckpt, args.out, args.tensors, args.model)
    except (SpecError, OSError, ImportError) as e:
        print(f"export: {e}", file=sys.stderr)
        return 1
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
