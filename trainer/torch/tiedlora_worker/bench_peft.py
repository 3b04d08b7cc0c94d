"""`sweep bench torch`: the training step time of this worker's adapters
against HF PEFT's LoRA on the same model, batch and CPU threads, in one run.

    python -m tiedlora_worker.bench_peft --config CONFIG.json

CONFIG (written by the Go side, cmd/sweep/cmd_bench_torch.go) holds the
architecture, the methods' component flags from the catalogue, rank,
batch, sequence length, threads and the repetitions. The model is a
randomly initialised transformers LlamaForCausalLM built from a config
(nothing is downloaded), float32, base frozen, AdamW; every contender
trains its own deep copy of it. After warm-up steps, the timed steps run in
rounds, one block per contender per round, the order rotating between
rounds so that load drifting on a shared machine touches all alike; the
figure is the median step time.

Prints progress on stderr and one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Optional

import torch
import torch.nn.functional as F
from torch import nn

from . import adapters as adp
from .spec import Arch, Method

HF_NAMES = {"q": "q_proj", "k": "k_proj", "v": "v_proj", "o": "o_proj", "gate": "gate_proj", "up": "up_proj",
            "down": "down_proj"}


@dataclass
class Contender:
    """One adapter implementation on its own copy of the model."""

    name: str
    impl: str  # "ours" or "HF PEFT"
    method: str
    targets: List[str]
    forward: Callable[[torch.Tensor], torch.Tensor]
    params: List[nn.Parameter]
    opt: torch.optim.Optimizer
    times: List[float] = field(default_factory=list)
    first_loss: float = float("nan")


@dataclass
class Row:
    name: str
    impl: str
    method: str
    targets: List[str]
    trainable: int
    step_ms: float  # median
    step_ms_min: float
    step_ms_max: float
    tokens_per_s: float
    timed_steps: int
    first_loss: float


def build_llama(arch: Arch, seed: int) -> nn.Module:
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=arch.vocab, hidden_size=arch.hidden, intermediate_size=arch.ffn,
                      num_hidden_layers=arch.layers, num_attention_heads=arch.heads,
                      num_key_value_heads=arch.kv_heads, max_position_embeddings=max(arch.context, 128),
                      attn_implementation="eager")
    m = LlamaForCausalLM(cfg).float()
    m.train()
    for p in m.parameters():
        p.requires_grad_(False)
    return m


def hf_forward(m: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    return lambda ids: m(input_ids=ids, use_cache=False).logits


def ours(base: nn.Module, arch: Arch, method: Method, rank: int, targets: List[str], seed: int, lr: float,
         name: str) -> Contender:
    m = copy.deepcopy(base)
    ad = adp.attach(m, arch, method, rank, targets, seed)
    params = ad.trainable()
    return Contender(name, "ours", method.name, targets, hf_forward(m), params, torch.optim.AdamW(params, lr=lr))


def peft_lora(base: nn.Module, rank: int, targets: List[str], lr: float) -> Contender:
    from peft import LoraConfig, get_peft_model

    m = copy.deepcopy(base)
    pm = get_peft_model(m, LoraConfig(r=rank, lora_alpha=rank, lora_dropout=0.0, bias="none",
                                      target_modules=[HF_NAMES[t] for t in targets]))
    params = [p for p in pm.parameters() if p.requires_grad]
    return Contender("lora (HF PEFT)", "HF PEFT", "lora", targets, hf_forward(pm), params,
                     torch.optim.AdamW(params, lr=lr))


def step(c: Contender, ids: torch.Tensor) -> float:
    """One training step; returns the loss."""
    c.opt.zero_grad(set_to_none=True)
    logits = c.forward(ids[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
    loss.backward()
    c.opt.step()
    return float(loss.detach())


def run(cfg: Dict[str, Any], log: Callable[[str], None]) -> Dict[str, Any]:
    threads = int(cfg["threads"])
    torch.set_num_threads(threads)
    arch = Arch.from_json(cfg["arch"])
    rank, seed, lr = int(cfg["rank"]), int(cfg.get("seed", 1)), float(cfg.get("lr", 1e-4))
    batch, seq = int(cfg["batch"]), int(cfg["seq"])
    warmup, rounds, per_round = int(cfg["warmup"]), int(cfg["rounds"]), int(cfg["steps_per_round"])
    targets: List[str] = list(cfg["targets"])
    methods = {name: Method.from_json(m) for name, m in cfg["methods"].items()}

    t0 = time.perf_counter()
    base = build_llama(arch, seed)
    n_base = sum(p.numel() for p in base.parameters())
    log(f"LlamaForCausalLM d={arch.hidden} L={arch.layers} heads={arch.heads}/{arch.kv_heads} ffn={arch.ffn} "
        f"vocab={arch.vocab}: {n_base:,} parameters, built in {time.perf_counter() - t0:.1f} s; torch "
        f"{torch.__version__}, {threads} threads")
    cs: List[Contender] = []
    peft_skipped = ""
    try:
        import peft

        cs.append(peft_lora(base, rank, targets, lr))
        peft_version = peft.__version__
    except ImportError as e:
        peft_skipped, peft_version = f"HF PEFT is not importable by {sys.executable}: {e}", ""
        log(peft_skipped)
    for name in ("lora", "tl6"):
        cs.append(ours(base, arch, methods[name], rank, targets, seed, lr, f"{name} (ours)"))
    for extra in cfg.get("extra", []):  # e.g. LoRA on the fused qkv target (one A shared by q, k, v)
        cs.append(ours(base, arch, methods[extra["method"]], rank, list(extra["targets"]), seed, lr, extra["name"]))
    del base

    ids = torch.randint(0, arch.vocab, (batch, seq + 1), generator=torch.Generator().manual_seed(seed))
    for c in cs:
        c.first_loss = step(c, ids)
        for _ in range(warmup - 1):
            step(c, ids)
    log(f"warm-up: {warmup} steps each; first losses " + ", ".join(f"{c.name} {c.first_loss:.5f}" for c in cs))
    for r in range(rounds):
        order = cs[r % len(cs):] + cs[:r % len(cs)]
        for c in order:
            for _ in range(per_round):
                s = time.perf_counter()
                step(c, ids)
                c.times.append(time.perf_counter() - s)
        log(f"round {r + 1}/{rounds}: " + ", ".join(f"{c.name} {1e3 * statistics.median(c.times):.1f} ms" for c in cs))

    tokens = batch * seq
    rows = []
    for c in cs:
        med = statistics.median(c.times)
        rows.append(Row(c.name, c.impl, c.method, c.targets, sum(p.numel() for p in c.params), 1e3 * med,
                        1e3 * min(c.times), 1e3 * max(c.times), tokens / med, len(c.times), c.first_loss))
    by = {r.name: r.step_ms for r in rows}
    ratios: Dict[str, float] = {"tl6_over_lora": by["tl6 (ours)"] / by["lora (ours)"]}
    if "lora (HF PEFT)" in by:
        ratios["lora_over_peft"] = by["lora (ours)"] / by["lora (HF PEFT)"]
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft_version,
            "peft_skipped": peft_skipped, "python": sys.executable, "threads": threads, "params": n_base,
            "tokens_per_step": tokens, "rows": [asdict(r) for r in rows], "ratios": ratios,
            "seconds": time.perf_counter() - t0}


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, help="the benchmark's JSON configuration")
    args = ap.parse_args(argv)
    with open(args.config, encoding="utf-8") as f:
        cfg = json.load(f)
    out = run(cfg, lambda s: print(s, file=sys.stderr, flush=True))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
