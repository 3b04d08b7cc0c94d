"""GPU performance check of the torch worker's adapters (docs/performance.md).

Trains a randomly initialised LLaMA-shaped model of 1.36 B parameters
(d=2048, L=24, 16 heads, FFN 5632, vocabulary 32000; bf16 weights, bf16
autocast) with LoRA, TL5 and TL6 from this worker, and LoRA from HF PEFT
when peft is importable, and prints for each the step time, tokens per
second, model FLOP utilisation and peak memory, as a table and as JSON.

    bash trainer/torch/gpu_check.sh                 # on the GPU machine
    bash trainer/torch/gpu_check.sh --device cpu --tiny   # CPU dry run

The model is transformers' LlamaForCausalLM when transformers is
importable (separate q/k/v projections: our qkv adapter shares one A across
them, PEFT puts an adapter on each), else the worker's built-in model. MFU
is 6·N·tokens/s over the peak dense bf16 rate (989 TFLOP/s for H100 and
H200 SXM, or --peak-tflops); with the base frozen the real work is nearer
4·N per token, so MFU as defined here is an upper convention, the same for
every row.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from typing import Callable, Dict, List, Optional

import torch
import torch.nn.functional as F

from tiedlora_worker import adapters as adp
from tiedlora_worker import model as builtin
from tiedlora_worker.spec import Arch, Method

FULL = dict(vocab=32000, hidden=2048, layers=24, heads=16, kv_heads=16, ffn=5632, context=4096)
TINY = dict(vocab=512, hidden=64, layers=2, heads=4, kv_heads=4, ffn=172, context=64)
PEAKS = {"H100": 989.4, "H200": 989.4, "A100": 312.0, "L40S": 362.0}

METHODS = {
    "lora": {"A": (True, False, "kaiming-uniform"), "B": (True, False, "zeros"), "u": (False, False, "ones"), "v": (False, False, "ones")},
    "tl5": {"A": (True, True, "kaiming-uniform"), "B": (True, True, "zeros"), "u": (False, False, "ones"), "v": (False, False, "ones")},
    "tl6": {"A": (True, True, "kaiming-uniform"), "B": (True, True, "zeros"), "u": (True, False, "ones"), "v": (True, False, "ones")},
}


def method(name: str) -> Method:
    return Method.from_json({"name": name, **{c: {"train": t, "tied": y, "init": i} for c, (t, y, i) in METHODS[name].items()}})


def build_model(arch: Arch, device: torch.device, dtype: torch.dtype, which: str):
    """(model, forward, kind)."""
    use_hf = which == "hf" or (which == "auto" and _importable("transformers"))
    if use_hf:
        from transformers import LlamaConfig, LlamaForCausalLM

        cfg = LlamaConfig(vocab_size=arch.vocab, hidden_size=arch.hidden, intermediate_size=arch.ffn,
                          num_hidden_layers=arch.layers, num_attention_heads=arch.heads,
                          num_key_value_heads=arch.kv_heads, max_position_embeddings=arch.context)
        prev = torch.get_default_dtype()
        torch.set_default_dtype(dtype)
        try:
            with _on(device):
                m = LlamaForCausalLM(cfg)
        finally:
            torch.set_default_dtype(prev)
        m = m.to(device=device, dtype=dtype)
        return m, (lambda ids: m(input_ids=ids, use_cache=False).logits), "hf"
    with _on(device):
        m = builtin.BuiltinLM(arch)
    m.init_weights()
    m = m.to(device=device, dtype=dtype)
    return m, m, "builtin"


def _on(device: torch.device):
    # torch ≥ 2.0 can build modules directly on the device
    return device if hasattr(torch.device, "__enter__") else contextlib.nullcontext()


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def measure(forward: Callable, params: List[torch.nn.Parameter], ids: torch.Tensor, steps: int, warmup: int,
            device: torch.device, autocast: Callable) -> Dict[str, float]:
    opt = torch.optim.AdamW(params, lr=1e-4)
    cuda = device.type == "cuda"

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        with autocast():
            logits = forward(ids[:, :-1])
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return float(loss.detach())

    for _ in range(warmup):
        step()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()  # float() synchronises every step, as a training loop that logs does
    if cuda:
        torch.cuda.synchronize()
    el = (time.perf_counter() - t0) / steps
    peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else float("nan")
    return {"step_s": el, "loss": loss, "peak_gib": peak}


def _finite(x):
    """JSON has no NaN (no peak memory on a CPU, no MFU without a peak): null."""
    if isinstance(x, float) and x != x:
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--tiny", action="store_true", help="a tiny model and batch: a dry run of the script")
    ap.add_argument("--model", choices=["auto", "hf", "builtin"], default="auto")
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--peak-tflops", type=float, default=0.0, help="peak dense bf16 TFLOP/s (default: from the GPU's name)")
    ap.add_argument("--json", default="", help="also write the results here")
    args = ap.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("no CUDA device: run with --device cpu --tiny for a dry run", file=sys.stderr)
        return 2
    if args.tiny:
        args.batch, args.seq, args.steps, args.warmup = min(args.batch, 2), min(args.seq, 32), min(args.steps, 3), 1
    arch = Arch(**(TINY if args.tiny else FULL), mlp="swiglu", norm="rmsnorm", positions="rope", name="llama-1.3b")
    cuda = device.type == "cuda"
    dtype = torch.bfloat16 if cuda else torch.float32
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if cuda else contextlib.nullcontext
    gpu = torch.cuda.get_device_name(device) if cuda else "cpu"
    peak = args.peak_tflops or next((v for k, v in PEAKS.items() if k in gpu), 0.0)
    torch.manual_seed(0)
    t0 = time.perf_counter()
    model, forward, kind = build_model(arch, device, dtype, args.model)
    for p in model.parameters():
        p.requires_grad_(False)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"device {gpu}; torch {torch.__version__}; {kind} model, {n_params / 1e9:.3f} B parameters, built in "
          f"{time.perf_counter() - t0:.1f} s; batch {args.batch} × {args.seq} tokens, rank {args.rank}, "
          f"{args.steps} timed steps after {args.warmup}; peak {peak or 'unknown'} TFLOP/s", flush=True)
    ids = torch.randint(0, arch.vocab, (args.batch, args.seq + 1), device=device,
                        generator=torch.Generator(device=device).manual_seed(1))
    tokens = args.batch * args.seq
    rows = []
    for name in ("lora", "tl5", "tl6"):
        ad = adp.attach(model, arch, method(name), args.rank, ["qkv"], seed=1)
        r = measure(forward, ad.trainable(), ids, args.steps, args.warmup, device, autocast)
        rows.append({"run": f"{name} (ours)", "trainable": sum(p.numel() for p in ad.trainable()), **r})
        ad.detach_from(model)
        del ad
        if cuda:
            torch.cuda.empty_cache()
        print(f"  {rows[-1]['run']}: {r['step_s'] * 1e3:.1f} ms/step", flush=True)
    try:
        from peft import LoraConfig, get_peft_model

        targets = ["q_proj", "k_proj", "v_proj"] if kind == "hf" else ["c_attn"]
        pm = get_peft_model(model, LoraConfig(r=args.rank, lora_alpha=args.rank, lora_dropout=0.0, bias="none",
                                              target_modules=targets))
        trained = [p for p in pm.parameters() if p.requires_grad]
        fwd = (lambda ids_: pm(input_ids=ids_, use_cache=False).logits) if kind == "hf" else pm
        r = measure(fwd, trained, ids, args.steps, args.warmup, device, autocast)
        rows.append({"run": "lora (HF PEFT)", "trainable": sum(p.numel() for p in trained), **r})
        print(f"  {rows[-1]['run']}: {r['step_s'] * 1e3:.1f} ms/step", flush=True)
        pm.unload()
    except ImportError as e:
        print(f"  HF PEFT is not importable here ({e}): no PEFT baseline", flush=True)
    for r in rows:
        r["tokens_per_s"] = tokens / r["step_s"]
        r["mfu"] = 6 * n_params * r["tokens_per_s"] / (peak * 1e12) if peak else float("nan")

    print(f"\n{'run':<16} {'trainable':>11} {'step ms':>9} {'tokens/s':>10} {'MFU':>7} {'peak GiB':>9}")
    for r in rows:
        print(f"{r['run']:<16} {r['trainable']:>11,} {r['step_s'] * 1e3:>9.1f} {r['tokens_per_s']:>10.0f} "
              f"{r['mfu'] * 100:>6.1f}% {r['peak_gib']:>9.2f}")
    by = {r["run"]: r["step_s"] for r in rows}
    goals = {"tl6 / lora (ours), goal ≤ 1.05": by["tl6 (ours)"] / by["lora (ours)"]}
    if "lora (HF PEFT)" in by:
        goals["lora (ours) / lora (PEFT), goal ≤ 1.05"] = by["lora (ours)"] / by["lora (HF PEFT)"]
    for k, v in goals.items():
        print(f"{k}: {v:.3f} {'met' if v <= 1.05 else 'MISSED'}")
    out = {"device": gpu, "torch": torch.__version__, "model": kind, "params": n_params, "batch": args.batch,
           "seq": args.seq, "rank": args.rank, "peak_tflops": peak, "rows": rows, "ratios": goals,
           "total_s": time.perf_counter() - t0}
    out = _finite(out)
    print(json.dumps(out))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
