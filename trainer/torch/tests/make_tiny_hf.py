"""Tiny random Hugging Face checkpoints for the worker's tests, built offline:
a LLaMA with grouped-query attention, a GPT-2 (Conv1D projections, fused
c_attn), and two the adapters cannot attach to: a GPT-NeoX (no layer list
they know) and a Phi-3 (model.layers, but a fused qkv_proj), each saved with
save_pretrained together with a byte-level BPE tokenizer trained here on a
small corpus, so nothing is downloaded.

    python make_tiny_hf.py --kind llama --out DIR [--no-tokenizer]

prints DIR's config.json path. The Go tests (hf_test.go) and the pytest
tests (test_hf.py) both use it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, List

import torch

KINDS = ("llama", "gpt2", "gpt_neox", "phi3")

# The corpus the tokenizer learns its merges from: the shapes of the tasks'
# prompts (syn-squad, the arithmetic of helpers.write_examples). Byte-level
# BPE can encode any text, so what it has not seen costs only more tokens.
CORPUS: List[str] = [
    "Context: The river flows north through the valley past the old mill.",
    "Question: Which way does the river flow? Answer: north",
    "Question: What is beside the valley? Answer: the old mill",
    "Context: Ada lives in Paris and works as an engineer at the museum.",
    "Question: Where does Ada live? Answer: Paris",
] + [f"{a}+{b}= {a + b}" for a in range(10) for b in range(10)]

SPECIALS = {"unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>"}


def make_tokenizer(vocab: int = 320):
    """A byte-level BPE in PreTrainedTokenizerFast with unk, bos, eos and pad."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=SPECIALS["unk_token"]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=list(SPECIALS.values()),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(CORPUS, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, clean_up_tokenization_spaces=False, **SPECIALS)


def config(kind: str, vocab: int, ids: Dict[str, int]):
    """The model's config: small enough to train a few steps on one core."""
    from transformers import GPT2Config, GPTNeoXConfig, LlamaConfig, Phi3Config

    if kind == "llama":
        return LlamaConfig(vocab_size=vocab, hidden_size=64, num_hidden_layers=4, num_attention_heads=4,
                           num_key_value_heads=2, intermediate_size=96, max_position_embeddings=256,
                           tie_word_embeddings=False, **ids)
    if kind == "gpt2":
        return GPT2Config(vocab_size=vocab, n_embd=64, n_layer=4, n_head=4, n_inner=128, n_positions=256, **ids)
    if kind == "gpt_neox":
        return GPTNeoXConfig(vocab_size=vocab, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                             intermediate_size=128, max_position_embeddings=256, **ids)
    if kind == "phi3":
        return Phi3Config(vocab_size=vocab, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                          num_key_value_heads=2, intermediate_size=96, max_position_embeddings=256, **ids)
    raise ValueError(f"unknown kind {kind!r} (want one of {', '.join(KINDS)})")


def make(kind: str, out: str, tokenizer: bool = True, seed: int = 0) -> str:
    """Saves a random `kind` model (and its tokenizer) into out; returns out."""
    from transformers import AutoModelForCausalLM

    tok = make_tokenizer()
    ids = {"bos_token_id": tok.bos_token_id, "eos_token_id": tok.eos_token_id, "pad_token_id": tok.pad_token_id}
    cfg = config(kind, len(tok), ids)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(cfg)
    os.makedirs(out, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    if tokenizer:
        tok.save_pretrained(out)
    return out


def arch_of(path: str) -> Dict[str, Any]:
    """The spec's model.arch for a checkpoint, as trainer.LoadHFConfig reads
    its config.json (GPT-2, or the LLaMA family)."""
    with open(os.path.join(path, "config.json"), encoding="utf-8") as f:
        c = json.load(f)
    if c.get("model_type") == "gpt2":
        return {"name": path, "vocab": c["vocab_size"], "hidden": c["n_embd"], "layers": c["n_layer"],
                "heads": c["n_head"], "kv_heads": c["n_head"], "ffn": c.get("n_inner") or 4 * c["n_embd"],
                "context": c["n_positions"], "mlp": "gelu", "norm": "layernorm", "positions": "learned", "bias": True,
                "tied_embeddings": True}
    return {"name": path, "vocab": c["vocab_size"], "hidden": c["hidden_size"], "layers": c["num_hidden_layers"],
            "heads": c["num_attention_heads"], "kv_heads": c.get("num_key_value_heads") or c["num_attention_heads"],
            "ffn": c["intermediate_size"], "context": c.get("max_position_embeddings", 0), "mlp": "swiglu",
            "norm": "rmsnorm", "positions": "rope", "bias": False, "tied_embeddings": bool(c.get("tie_word_embeddings"))}


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", choices=KINDS, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-tokenizer", action="store_true", help="leave the tokenizer out (an error case)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    make(args.kind, args.out, tokenizer=not args.no_tokenizer)
    print(os.path.join(args.out, "config.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
