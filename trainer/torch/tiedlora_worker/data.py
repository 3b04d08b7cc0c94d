"""The task's examples as the Go side materialised them, tokenised and
batched. The runner writes each split's normalised examples (the JSON of
`sweep tasks show --json`: id, prompt, target, references, choices, gold)
to <attempt_dir>/examples/<split>.jsonl before it starts the worker, so the
task loaders live in one place (tasks/)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import torch

SPLITS = ("train", "validation", "test")
IGNORE = -100  # cross_entropy's ignore_index


@dataclass
class Example:
    id: str
    prompt: str
    target: str
    references: List[str]
    choices: List[str]
    gold: int


def load_split(path: str) -> List[Example]:
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                out.append(Example(str(d["id"]), d["prompt"], d["target"], list(d.get("references") or []),
                                   list(d.get("choices") or []), int(d.get("gold") or 0)))
            except (KeyError, TypeError, ValueError) as e:
                raise ValueError(f"{path}:{n}: not an example: {e}") from e
    return out


def load_examples(directory: str) -> Dict[str, List[Example]]:
    """Every split present in directory (train and validation are needed)."""
    data = {s: load_split(os.path.join(directory, s + ".jsonl")) for s in SPLITS
            if os.path.exists(os.path.join(directory, s + ".jsonl"))}
    missing = [s for s in ("train", "validation") if not data.get(s)]
    if missing:
        raise FileNotFoundError(
            f"{directory}: no {' or '.join(missing)} examples; the runner writes <attempt_dir>/examples/<split>.jsonl "
            f"(for a hand-run worker: sweep tasks show TASK --split S --json > DIR/S.jsonl, then --examples DIR)")
    return data


@dataclass
class Seq:
    prompt: List[int]
    answer: List[int]  # ends with EOS; the only part the loss covers


def encode(tok, prompt: str, answer: str, max_len: int) -> Seq:
    """As the Go trainer: a long answer keeps its first max_len−1 tokens,
    then the prompt loses tokens from its start."""
    p, a = tok.encode_prompt(prompt), tok.encode(answer) + [tok.eos_id]
    a = a[: max_len - 1]
    if len(p) + len(a) > max_len:
        p = p[len(p) - (max_len - len(a)):]
    return Seq(p, a)


def batch(seqs: List[Seq], pad: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Right-padded inputs (each sequence without its last token) and the
    next-token targets where they are answer tokens, IGNORE elsewhere."""
    t = max(len(s.prompt) + len(s.answer) - 1 for s in seqs)
    ids = torch.full((len(seqs), t), pad, dtype=torch.long)
    tgt = torch.full((len(seqs), t), IGNORE, dtype=torch.long)
    for i, s in enumerate(seqs):
        full = s.prompt + s.answer
        ids[i, : len(full) - 1] = torch.tensor(full[:-1])
        lo = max(len(s.prompt) - 1, 0)
        tgt[i, lo: len(full) - 1] = torch.tensor(full[lo + 1:])
    return ids, tgt


def _perm_seed(seed: int, epoch: int) -> int:
    d = hashlib.sha256(f"perm/{seed}/{epoch}".encode()).digest()
    return int.from_bytes(d[:8], "little") & ((1 << 63) - 1)


class Sampler:
    """The examples of each micro-batch: a fresh permutation every epoch,
    seeded by (seed, epoch), so the batch of any step is known without
    replaying the steps before it (what makes resume exact)."""

    def __init__(self, n: int, size: int, seed: int) -> None:
        self.n, self.size, self.seed = n, size, seed
        self._epoch: Optional[int] = None
        self._perm: List[int] = []

    def micro(self, k: int) -> List[int]:
        out = []
        for i in range(self.size):
            pos = k * self.size + i
            epoch, at = divmod(pos, self.n)
            if epoch != self._epoch:
                g = torch.Generator().manual_seed(_perm_seed(self.seed, epoch))
                self._perm, self._epoch = torch.randperm(self.n, generator=g).tolist(), epoch
            out.append(self._perm[at])
        return out
