"""Which base model and tokenizer an attempt uses:

- model.path with a Hugging Face config.json, and transformers installed:
  AutoModelForCausalLM.from_pretrained and AutoTokenizer;
- model.path with model.safetensors (a base the Go trainer exported, or
  any built-in model's weights): the built-in model loaded from it, with
  the Go trainer's tokenizer.json beside it when there is one;
- no path: the built-in model, randomly initialised (a fixed seed, so all
  trials share one base), with the byte-level tokenizer.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any, Tuple

import torch
from torch import nn

from . import model as builtin
from .spec import Spec, SpecError
from .tokenizer import ByteBPE, HFTokenizer


def has_transformers() -> bool:
    return importlib.util.find_spec("transformers") is not None


def load(spec: Spec, device: torch.device, dtype: torch.dtype) -> Tuple[nn.Module, Any, str]:
    """(model, tokenizer, kind), kind being "hf" or "builtin"."""
    path = spec.model_path
    if path and os.path.isfile(os.path.join(path, "config.json")) and not os.path.isfile(os.path.join(path, "recipe.json")):
        if not has_transformers():
            raise SpecError(f"{path} is a Hugging Face model, but transformers is not installed for this python")
        from transformers import AutoModelForCausalLM

        m = AutoModelForCausalLM.from_pretrained(path, torch_dtype=dtype)
        return m.to(device), HFTokenizer(path), "hf"
    weights = ""
    tok = ByteBPE()
    if path:
        weights = os.path.join(path, "model.safetensors") if os.path.isdir(path) else path
        if not os.path.isfile(weights):
            raise SpecError(f"model.path {path}: no config.json or model.safetensors there")
        tj = os.path.join(os.path.dirname(weights), "tokenizer.json")
        if os.path.isfile(tj):
            tok = ByteBPE.load(tj)
    if tok.vocab_size > spec.arch.vocab:
        raise SpecError(f"the tokenizer has {tok.vocab_size} tokens but the model's vocabulary is {spec.arch.vocab}")
    return builtin.build(spec.arch, weights, dtype).to(device), tok, "builtin"


def logits_of(model: nn.Module, kind: str, ids: torch.Tensor) -> torch.Tensor:
    if kind == "hf":
        return model(input_ids=ids, use_cache=False).logits
    return model(ids)
