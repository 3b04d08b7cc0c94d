"""Which base model and tokenizer an attempt uses:

- model.path with a Hugging Face config.json, and transformers installed:
  AutoModelForCausalLM.from_pretrained and AutoTokenizer, both from that
  directory only (local_files_only: nothing is downloaded);
- model.path with model.safetensors (a base the Go trainer exported, or
  any built-in model's weights): the built-in model loaded from it, with
  the Go trainer's tokenizer.json beside it when there is one;
- no path: the built-in model, randomly initialised (a fixed seed, so all
  trials share one base), with the byte-level tokenizer.

Everything wrong with the directory is a SpecError (error_kind config)
that says what was looked for.
"""

from __future__ import annotations

import importlib.util
import json
import os
from typing import Any, Dict, Tuple

import torch
from torch import nn

from . import model as builtin
from .spec import Spec, SpecError
from .tokenizer import ByteBPE, HFTokenizer

# The files a saved causal-LM tokenizer consists of, any one of which
# AutoTokenizer can build it from: tokenizers' JSON, SentencePiece, GPT-2's
# BPE pair.
TOKENIZER_FILES = (("tokenizer.json",), ("tokenizer.model",), ("vocab.json", "merges.txt"))
# Files save_pretrained writes beside the weights: a directory with these
# but no config.json is a Hugging Face model that lost its config.
HF_MARKERS = ("tokenizer_config.json", "generation_config.json", "special_tokens_map.json",
              "model.safetensors.index.json", "pytorch_model.bin")
# Model types whose parameters trainer.Arch.BaseParams counts exactly (when
# they have no q/k/v or MLP biases), so the params event's total is checked.
EXACT_TOTAL = ("llama", "gpt2")


def has_transformers() -> bool:
    return importlib.util.find_spec("transformers") is not None


def is_hf_dir(path: str) -> bool:
    """A Hugging Face model directory (not a Go trainer base, which has a
    recipe.json)."""
    return os.path.isfile(os.path.join(path, "config.json")) and not os.path.isfile(os.path.join(path, "recipe.json"))


def load(spec: Spec, device: torch.device, dtype: torch.dtype) -> Tuple[nn.Module, Any, str]:
    """(model, tokenizer, kind), kind being "hf" or "builtin"."""
    path = spec.model_path
    if path and not os.path.exists(path):
        raise SpecError(f"model.path {path} does not exist")
    if path and os.path.isdir(path) and is_hf_dir(path):
        m, tok = load_hf(path, device, dtype)
        return m, tok, "hf"
    weights = ""
    tok = ByteBPE()
    if path:
        weights = os.path.join(path, "model.safetensors") if os.path.isdir(path) else path
        if os.path.isdir(path):
            markers = [f for f in HF_MARKERS if os.path.isfile(os.path.join(path, f))]
            if markers:
                raise SpecError(f"model.path {path} has no config.json, but {', '.join(markers)}: a Hugging Face "
                                "model saved without its config (save it with model.save_pretrained)")
            if not os.path.isfile(weights):
                raise SpecError(f"model.path {path} has no config.json (a Hugging Face model) and no "
                                "model.safetensors (a base the Go trainer exported)")
        tj = os.path.join(os.path.dirname(weights), "tokenizer.json")
        if os.path.isfile(tj):
            tok = ByteBPE.load(tj)
    if tok.vocab_size > spec.arch.vocab:
        raise SpecError(f"the tokenizer has {tok.vocab_size} tokens but the model's vocabulary is {spec.arch.vocab}")
    return builtin.build(spec.arch, weights, dtype).to(device), tok, "builtin"


def read_config(path: str) -> Dict[str, Any]:
    cfg = os.path.join(path, "config.json")
    try:
        with open(cfg, encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        raise SpecError(f"{cfg}: not a Hugging Face config: {e}") from e
    if not isinstance(d, dict):
        raise SpecError(f"{cfg}: not a Hugging Face config: a JSON {type(d).__name__}, not an object")
    return d


def check_tokenizer_files(path: str) -> None:
    for group in TOKENIZER_FILES:
        if all(os.path.isfile(os.path.join(path, f)) for f in group):
            return
    want = ", ".join(" + ".join(g) for g in TOKENIZER_FILES)
    raise SpecError(f"model.path {path} has no tokenizer: looked for {want}; save the model's tokenizer there "
                    "with tokenizer.save_pretrained")


def load_hf(path: str, device: torch.device, dtype: torch.dtype) -> Tuple[nn.Module, HFTokenizer]:
    if not has_transformers():
        raise SpecError(f"{path} is a Hugging Face model, but transformers is not installed for this python "
                        "(scripts/deps torch makes .venv with it; set worker.python or TIEDLORA_PYTHON)")
    cfg = read_config(path)
    check_tokenizer_files(path)  # before the weights: failing takes a moment, not a model load
    from transformers import AutoModelForCausalLM

    mt = cfg.get("model_type") or "?"
    try:
        m = AutoModelForCausalLM.from_pretrained(path, torch_dtype=dtype, local_files_only=True)
    except (OSError, ValueError, KeyError) as e:  # unknown model_type, missing or partial weights
        raise SpecError(f"model.path {path} (model_type {mt}): transformers cannot load it: {e}") from e
    if getattr(m.config, "pretraining_tp", 1) > 1:
        # LLaMA's pretraining_tp > 1 multiplies weight slices directly, past the
        # wrapped projections (and the adapters); 1 is the same function.
        m.config.pretraining_tp = 1
    try:
        tok = HFTokenizer(path)
    except (OSError, ValueError, KeyError) as e:
        raise SpecError(f"model.path {path}: cannot load its tokenizer: {e}") from e
    rows = m.get_input_embeddings().weight.shape[0]
    if tok.vocab_size > rows:
        raise SpecError(f"model.path {path}: the tokenizer has {tok.vocab_size} tokens but the model's embedding "
                        f"has {rows} rows")
    return m.to(device), tok


def total_is_exact(model: nn.Module, kind: str) -> bool:
    """Whether trainer.Arch.BaseParams counts this model exactly, so the
    params event's total must equal the analytic one: always for the
    built-in model; for LLaMA without biases and GPT-2 from transformers."""
    if kind != "hf":
        return True
    cfg = getattr(model, "config", None)
    mt = getattr(cfg, "model_type", None)
    if mt not in EXACT_TOTAL:
        return False
    if mt == "gpt2":  # trainer.LoadHFConfig takes GPT-2's head as tied to its embedding
        return bool(getattr(cfg, "tie_word_embeddings", True))
    return not getattr(cfg, "attention_bias", False) and not getattr(cfg, "mlp_bias", False)


def logits_of(model: nn.Module, kind: str, ids: torch.Tensor) -> torch.Tensor:
    if kind == "hf":
        # Batches are right-padded and attention is causal, so no real token
        # sees a pad: an all-ones mask is exact (and tells transformers so).
        return model(input_ids=ids, attention_mask=torch.ones_like(ids), use_cache=False).logits
    return model(ids)
