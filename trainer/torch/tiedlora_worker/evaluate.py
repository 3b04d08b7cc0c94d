"""Evaluation: answer loss, greedy generation, choice log-likelihood, and
the predictions files the runner scores with tasks/metrics."""

from __future__ import annotations

import json
import os
from typing import Callable, List, Optional

import torch
import torch.nn.functional as F

from .data import IGNORE, Example, Seq, batch

Logits = Callable[[torch.Tensor], torch.Tensor]


def eval_examples(split: str, exs: List[Example], cap: int) -> List[Example]:
    """The examples a split is evaluated on. eval_examples (cap > 0) caps the
    validation split, evaluated at every evaluation; the test split is always
    scored whole, since the report compares methods on it example by
    example."""
    if split == "validation" and cap > 0:
        return exs[:cap]
    return exs


def token_loss(logits: torch.Tensor, targets: torch.Tensor) -> "tuple[torch.Tensor, int]":
    """Summed cross-entropy over the target positions, and their number."""
    n = int((targets != IGNORE).sum())
    loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1),
                           ignore_index=IGNORE, reduction="sum")
    return loss, n


@torch.no_grad()
def mean_loss(logits_of: Logits, seqs: List[Seq], batch_size: int, pad: int, device: torch.device,
              autocast: Callable) -> float:
    total, count = 0.0, 0
    for i in range(0, len(seqs), batch_size):
        ids, tgt = batch(seqs[i:i + batch_size], pad)
        with autocast():
            logits = logits_of(ids.to(device))
        loss, n = token_loss(logits, tgt.to(device))
        total, count = total + float(loss), count + n
    return total / max(count, 1)


@torch.no_grad()
def generate(model: torch.nn.Module, kind: str, tok, prompts: List[str], max_len: int, max_new: int,
             device: torch.device, autocast: Callable, beat: Callable[[], None] = lambda: None) -> List[str]:
    """Greedy completion of each prompt, at most max_new tokens, stopping at
    EOS, within the context (a long prompt loses its start, as in training)."""
    out = []
    room = max(1, min(max_new, max_len - 1))
    for i, prompt in enumerate(prompts):
        p = tok.encode_prompt(prompt)
        if len(p) > max_len - room:
            p = p[len(p) - (max_len - room):]
        ids = torch.tensor([p], device=device)
        with autocast():
            if kind == "hf":  # transformers' own loop keeps a KV cache
                full = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=room, do_sample=False,
                                         eos_token_id=tok.eos_id, pad_token_id=tok.pad_id)
                new = full[0, ids.shape[1]:].tolist()
            else:
                new, cache = [], model.new_cache()  # the built-in model's KV cache
                for _ in range(room):
                    nxt = int(model(ids, cache)[0, -1].argmax())
                    if nxt == tok.eos_id:
                        break
                    new.append(nxt)
                    ids = torch.tensor([[nxt]], device=device)
        if tok.eos_id in new:
            new = new[: new.index(tok.eos_id)]
        out.append(tok.decode(new).strip())
        if i % 16 == 15:
            beat()
    return out


@torch.no_grad()
def choice_logprobs(logits_of: Logits, tok, exs: List[Example], max_len: int, pad: int, device: torch.device,
                    autocast: Callable) -> List[List[float]]:
    """For each example, the summed log-likelihood of each choice's tokens
    after the prompt (lm-evaluation-harness's loglikelihood); no EOS."""
    out = []
    for e in exs:
        seqs = []
        for c in e.choices:
            p, a = tok.encode_prompt(e.prompt), tok.encode(c)[: max_len - 1]
            if len(p) + len(a) > max_len:
                p = p[len(p) - (max_len - len(a)):]
            seqs.append(Seq(p, a))
        ids, tgt = batch(seqs, pad)
        with autocast():
            logits = logits_of(ids.to(device)).float()
        lp = logits.log_softmax(-1)
        tgt = tgt.to(device)
        mask = tgt != IGNORE
        picked = lp.gather(-1, tgt.clamp(min=0).unsqueeze(-1)).squeeze(-1) * mask
        out.append([float(x) for x in picked.sum(-1)])
    return out


def write_predictions(path: str, exs: List[Example], preds: Optional[List[str]],
                      logprobs: Optional[List[List[float]]]) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for i, e in enumerate(exs):
            rec = {"id": e.id}
            if preds is not None:
                rec["prediction"] = preds[i]
            else:
                rec["choice_logprobs"] = logprobs[i]
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
