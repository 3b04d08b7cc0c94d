"""The built-in model: a small decoder-only transformer in plain torch,
built from the spec's arch. It covers both layouts the project uses — the Go
trainer's GPT (LayerNorm, GELU, learned positions, biases, tied head) and
LLaMA's (RMSNorm, SwiGLU, rotary positions, grouped-query attention, no
biases) — with the Go trainer's tensor names, so a base model the Go
trainer exported loads as it is."""

from __future__ import annotations

import math
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from torch import nn

from .spec import Arch, SpecError

NORM_EPS = 1e-5  # the Go trainer's LayerNorm epsilon and LLaMA 2's RMSNorm epsilon
ROPE_THETA = 10000.0
BASE_SEED = 1234  # a randomly initialised base is the same for every trial


class Norm(nn.Module):
    def __init__(self, d: int, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.weight = nn.Parameter(torch.ones(d))
        if kind == "layernorm":
            self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "layernorm":
            return F.layer_norm(x, x.shape[-1:], self.weight, self.bias, NORM_EPS)
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + NORM_EPS)
        return self.weight * xf.to(x.dtype)


def rope_tables(t: int, hd: int, device: torch.device) -> "tuple[torch.Tensor, torch.Tensor]":
    inv = 1.0 / (ROPE_THETA ** (torch.arange(0, hd, 2, device=device, dtype=torch.float32) / hd))
    ang = torch.outer(torch.arange(t, device=device, dtype=torch.float32), inv)
    ang = torch.cat([ang, ang], dim=-1)
    return ang.cos(), ang.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """LLaMA's rotary embedding (the rotate-half form of transformers)."""
    half = x.shape[-1] // 2
    rot = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return (x.float() * cos + rot.float() * sin).to(x.dtype)


class Attention(nn.Module):
    def __init__(self, a: Arch) -> None:
        super().__init__()
        self.a = a
        self.c_attn = nn.Linear(a.hidden, a.hidden + 2 * a.kv_dim, bias=a.bias)
        self.c_proj = nn.Linear(a.hidden, a.hidden, bias=a.bias)

    def forward(self, x: torch.Tensor, rope: "tuple[torch.Tensor, torch.Tensor] | None",
                cache: Optional[List[torch.Tensor]] = None) -> torch.Tensor:
        """cache, when given, holds this layer's past keys and values
        ([k, v], or empty) and is extended: greedy decoding reuses them."""
        a = self.a
        b, t, _ = x.shape
        hd, kv = a.head_dim, a.kv_dim
        qkv = self.c_attn(x)
        q = qkv[..., : a.hidden].view(b, t, a.heads, hd).transpose(1, 2)
        k = qkv[..., a.hidden: a.hidden + kv].view(b, t, a.kv_heads, hd).transpose(1, 2)
        v = qkv[..., a.hidden + kv:].view(b, t, a.kv_heads, hd).transpose(1, 2)
        if rope is not None:
            q, k = apply_rope(q, *rope), apply_rope(k, *rope)
        past = 0
        if cache is not None:
            if cache:
                past = cache[0].shape[2]
                k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
            cache[:] = [k, v]
        if a.kv_heads != a.heads:  # query head h reads key/value head h // group
            g = a.heads // a.kv_heads
            k, v = k.repeat_interleave(g, dim=1), v.repeat_interleave(g, dim=1)
        if hasattr(F, "scaled_dot_product_attention") and (past == 0 or t == 1):  # torch ≥ 2.0: fused kernels
            y = F.scaled_dot_product_attention(q, k, v, is_causal=t > 1)
        else:
            s = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
            # query i (position past+i) sees keys 0..past+i
            mask = torch.ones(t, past + t, dtype=torch.bool, device=x.device).triu(past + 1)
            y = s.masked_fill(mask, float("-inf")).softmax(-1) @ v
        return self.c_proj(y.transpose(1, 2).reshape(b, t, a.hidden))


class MLP(nn.Module):
    def __init__(self, a: Arch) -> None:
        super().__init__()
        self.swiglu = a.mlp == "swiglu"
        if self.swiglu:
            self.c_gate = nn.Linear(a.hidden, a.ffn, bias=a.bias)
        self.c_fc = nn.Linear(a.hidden, a.ffn, bias=a.bias)
        self.c_proj = nn.Linear(a.ffn, a.hidden, bias=a.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.swiglu:
            return self.c_proj(F.silu(self.c_gate(x)) * self.c_fc(x))
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))  # GPT-2's (and the Go trainer's) GELU


class Block(nn.Module):
    def __init__(self, a: Arch) -> None:
        super().__init__()
        self.ln_1 = Norm(a.hidden, a.norm)
        self.attn = Attention(a)
        self.ln_2 = Norm(a.hidden, a.norm)
        self.mlp = MLP(a)

    def forward(self, x: torch.Tensor, rope: "tuple[torch.Tensor, torch.Tensor] | None",
                cache: Optional[List[torch.Tensor]] = None) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), rope, cache)
        return x + self.mlp(self.ln_2(x))


class BuiltinLM(nn.Module):
    """Tensor names follow the Go trainer: wte, wpe, h.N.ln_1.weight,
    h.N.attn.c_attn.weight, …, ln_f.weight, and lm_head.weight when the head
    is not tied to the embedding; h.N.mlp.c_gate.weight for SwiGLU."""

    def __init__(self, a: Arch) -> None:
        super().__init__()
        self.arch = a
        self.wte = nn.Parameter(torch.empty(a.vocab, a.hidden))
        if a.positions == "learned":
            self.wpe = nn.Parameter(torch.empty(a.context, a.hidden))
        self.h = nn.ModuleList(Block(a) for _ in range(a.layers))
        self.ln_f = Norm(a.hidden, a.norm)
        if not a.tied_embeddings:
            self.lm_head = nn.Linear(a.hidden, a.vocab, bias=False)
        self._rope: Dict[tuple, "tuple[torch.Tensor, torch.Tensor]"] = {}

    def init_weights(self, seed: int = BASE_SEED) -> None:
        """GPT-2's initialisation: N(0, 0.02), output projections of the
        residual branches scaled by 1/√(2L), zero biases, unit gains."""
        g = torch.Generator().manual_seed(seed)
        resid = 0.02 / math.sqrt(2 * self.arch.layers)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if p.dim() == 1:
                    p.fill_(1.0 if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name == "ln_f.weight" else 0.0)
                else:
                    std = resid if name.endswith("c_proj.weight") else 0.02
                    p.copy_(torch.randn(p.shape, generator=g) * std)

    def rope(self, t: int, device: torch.device):
        key = (t, str(device))
        if key not in self._rope:
            self._rope[key] = rope_tables(t, self.arch.head_dim, device)
        return self._rope[key]

    def forward(self, ids: torch.Tensor, cache: Optional[List[List[torch.Tensor]]] = None) -> torch.Tensor:
        """Logits for ids; with a cache (one list per layer, from
        new_cache()), ids continue the cached sequence."""
        a = self.arch
        past = cache[0][0].shape[2] if cache and cache[0] else 0
        t = ids.shape[1]
        if a.positions == "learned" and past + t > a.context:
            raise ValueError(f"sequence of {past + t} tokens is longer than the context {a.context}")
        x = F.embedding(ids, self.wte)
        rope = None
        if a.positions == "learned":
            x = x + self.wpe[past: past + t]
        else:
            cos, sin = self.rope(past + t, ids.device)
            rope = (cos[past:], sin[past:])
        for i, blk in enumerate(self.h):
            x = blk(x, rope, cache[i] if cache is not None else None)
        x = self.ln_f(x)
        if a.tied_embeddings:
            return F.linear(x, self.wte)
        return self.lm_head(x)

    def new_cache(self) -> List[List[torch.Tensor]]:
        return [[] for _ in self.h]


def build(a: Arch, weights: str = "", dtype: torch.dtype = torch.float32) -> BuiltinLM:
    """The built-in model, randomly initialised or loaded from a safetensors
    file whose tensors match it exactly by name and shape."""
    m = BuiltinLM(a)
    if not weights:
        m.init_weights()
        return m.to(dtype)
    from .safetensors_io import read

    tensors = read(weights)
    own = dict(m.named_parameters())
    missing = sorted(set(own) - set(tensors))
    extra = sorted(set(tensors) - set(own))
    if missing or extra:
        raise SpecError(f"{weights}: does not fit architecture {a.name}: missing {missing[:5]}, unexpected {extra[:5]}")
    with torch.no_grad():
        for n, p in own.items():
            if tuple(tensors[n].shape) != tuple(p.shape):
                raise SpecError(f"{weights}: tensor {n} has shape {tuple(tensors[n].shape)}, want {tuple(p.shape)}")
            p.copy_(tensors[n])
    return m.to(dtype)
