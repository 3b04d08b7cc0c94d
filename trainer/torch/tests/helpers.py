"""Shared test helpers: the Go planner's count fixture, small specs and
example files."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "testdata", "counts.json")


def cases() -> List[Dict[str, Any]]:
    with open(FIXTURE, encoding="utf-8") as f:
        return json.load(f)


def catalogue() -> Dict[str, Dict[str, Any]]:
    """Every method of the fixture by name (the catalogue and all-tied)."""
    return {c["method"]["name"]: c["method"] for c in cases()}


def adapter_methods() -> Dict[str, Dict[str, Any]]:
    """The fixture's methods that attach an adapter: all but the reference
    (the base model alone)."""
    return {n: m for n, m in catalogue().items() if not m.get("reference")}


def arch(name: str) -> Dict[str, Any]:
    for c in cases():
        if c["arch"]["name"] == name:
            return c["arch"]
    raise KeyError(name)


TINY_GPT = {"name": "tiny-gpt", "vocab": 300, "hidden": 32, "layers": 2, "heads": 2, "kv_heads": 2, "ffn": 64,
            "context": 96, "mlp": "gelu", "norm": "layernorm", "positions": "learned", "bias": True,
            "tied_embeddings": True}


def write_examples(directory: str, choice: bool = False, n_train: int = 24, n_eval: int = 4) -> None:
    """Tiny arithmetic examples in the normalised JSON of `sweep tasks show`."""
    os.makedirs(directory, exist_ok=True)
    for split, n in (("train", n_train), ("validation", n_eval), ("test", n_eval)):
        with open(os.path.join(directory, split + ".jsonl"), "w", encoding="utf-8") as f:
            for i in range(n):
                a, b = i % 7, (3 * i) % 5
                ex = {"id": f"{split}-{i}", "prompt": f"{a}+{b}=", "target": f" {a + b}", "references": [str(a + b)]}
                if choice:
                    ex["choices"] = [f" {a + b}", f" {a + b + 1}", f" {a + b + 2}"]
                    ex["gold"] = 0
                f.write(json.dumps(ex) + "\n")


def spec(directory: str, method: str = "tl6", rank: int = 2, hparams: Optional[Dict[str, Any]] = None,
         arch_json: Optional[Dict[str, Any]] = None, mode: str = "generate", **extra: Any) -> str:
    """Writes spec.json (as runner/spec.go builds it) and examples into
    directory; returns the spec's path."""
    write_examples(os.path.join(directory, "examples"), choice=mode == "choice")
    h = {"lr": 5e-3, "steps": 6, "batch_size": 4, "warmup": 1, "eval_every": 3, "checkpoint_every": 3,
         "max_seq_len": 32, "eval_examples": 4, "log_every": 1, "patience": 0}
    h.update(hparams or {})
    s = {"protocol": 1, "sweep": "test", "trial": "t1", "attempt": 1,
         "task": {"name": "arith", "metric": "exact_match", "mode": mode},
         "method": catalogue()[method], "rank": rank, "seed": 7,
         "model": {"arch": arch_json or TINY_GPT}, "targets": ["qkv"], "hparams": h, "attempt_dir": directory}
    s.update(extra)
    path = os.path.join(directory, "spec.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(s, f)
    return path


def read_events(path: str) -> List[Dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
