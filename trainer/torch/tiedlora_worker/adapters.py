"""Tied-LoRA adapters built from a method's component flags (METHODS.md):

    h = W0 x + s · v ⊙ B (u ⊙ (A x)),   s = α / r = 1.

A tied component is one tensor shared by every layer, registered once (so
it is counted once and the optimizer updates it once per step); a per-layer
one is a tensor per layer. A frozen u or v is the constant of its init and
holds no tensor; frozen A and B are buffers drawn from a seeded generator.

The update is computed as (v ⊙ B)((u ⊙ A) x): the same product, but the
scaling vectors fold into the small r-wide factors, so TL6 costs what LoRA
costs instead of two extra passes over a (tokens × d_out) activation.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .inits import make, parse_init
from .spec import COMPONENTS, Arch, Method, SpecError


class AdapterSet(nn.Module):
    """The A, B, u, v of one target on all L layers."""

    def __init__(self, method: Method, rank: int, din: int, dout: int, layers: int, seed: int, target: str,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.target, self.rank, self.din, self.dout, self.layers = target, rank, din, dout, layers
        self.dropout = dropout
        self.tied: Dict[str, bool] = {}
        self.const: Dict[str, float] = {}  # frozen u, v: their constant
        # Shared-input cache: separate q, k, v modules of one layer read the
        # same x, and one A serves all three (see shared_delta).
        self._cache: Dict[int, Tuple[torch.Tensor, torch.Tensor, int]] = {}
        shapes = {"A": (rank, din), "B": (dout, rank), "u": (rank,), "v": (dout,)}
        fan_in = {"A": din, "B": rank, "u": 1, "v": 1}
        for c in COMPONENTS:
            comp = method.component(c)
            self.tied[c] = comp.tied
            if c in ("u", "v") and not comp.train:
                kind, x = parse_init(comp.init)
                if kind not in ("ones", "const"):
                    raise SpecError(f"frozen {c} needs a constant init, not {comp.init!r}")
                self.const[c] = 1.0 if kind == "ones" else x
                continue
            names = [c] if comp.tied else [f"{c}_{l}" for l in range(layers)]
            for n in names:
                t = make(comp.init, shapes[c], fan_in[c], seed, f"{target}.{n}", tied=comp.tied,
                         after=shapes["A"] if c == "B" else ())  # B after A, as PEFT's VeRA draws them
                if comp.train:
                    self.register_parameter(n, nn.Parameter(t))
                else:
                    self.register_buffer(n, t, persistent=False)

    def tensor(self, c: str, layer: int) -> Optional[torch.Tensor]:
        if c in self.const:
            return None
        return getattr(self, c if self.tied[c] else f"{c}_{layer}")

    def factors(self, layer: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """(u ⊙ A, v ⊙ B) of a layer, s = 1 folded in."""
        a, b = self.tensor("A", layer), self.tensor("B", layer)
        u, v = self.tensor("u", layer), self.tensor("v", layer)
        if u is not None:
            a = a * u[:, None]
        elif self.const["u"] != 1.0:
            a = a * self.const["u"]
        if v is not None:
            b = b * v[:, None]
        elif self.const["v"] != 1.0:
            b = b * self.const["v"]
        return a, b

    def delta(self, x: torch.Tensor, layer: int) -> torch.Tensor:
        """The update v ⊙ B (u ⊙ (A x)) of one layer for inputs x[..., d_in]."""
        a, b = self.factors(layer)
        if self.dropout > 0 and self.training:
            x = F.dropout(x, self.dropout)
        if not (x.is_cuda and torch.is_autocast_enabled()) and x.dtype != a.dtype:
            x = x.to(a.dtype)  # autocast casts by itself; plain fp32 adapters on a bf16 base need it
        return F.linear(F.linear(x, a), b)

    def shared_delta(self, x: torch.Tensor, layer: int, consumers: int) -> torch.Tensor:
        """delta for modules that share an input: computed once for the first
        of `consumers` calls with the same x, dropped after the last."""
        hit = self._cache.get(layer)
        if hit is not None and hit[0] is x:
            _, d, left = hit
        else:
            d, left = self.delta(x, layer), consumers
        left -= 1
        if left > 0:
            self._cache[layer] = (x, d, left)
        else:
            self._cache.pop(layer, None)
        return d


class AdaptedLinear(nn.Module):
    """A projection plus the adapters that add to it. Each addition takes
    rows [lo, hi) of an AdapterSet's output and adds them at column `off`."""

    def __init__(self, base: nn.Module) -> None:
        super().__init__()
        self.base = base
        self._adds: List[Tuple[AdapterSet, int, int, int, int, int]] = []  # not registered: the sets live elsewhere

    # Model code sometimes reads a projection's attributes (weight.dtype,
    # out_features); they are the wrapped projection's.
    @property
    def weight(self) -> torch.Tensor:
        return self.base.weight

    @property
    def bias(self) -> Optional[torch.Tensor]:
        return getattr(self.base, "bias", None)

    @property
    def in_features(self) -> int:
        return self.base.in_features

    @property
    def out_features(self) -> int:
        return self.base.out_features

    def add(self, s: AdapterSet, layer: int, lo: int, hi: int, off: int, consumers: int) -> None:
        self._adds.append((s, layer, lo, hi, off, consumers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.base(x)
        for s, layer, lo, hi, off, consumers in self._adds:
            d = s.shared_delta(x, layer, consumers) if consumers > 1 else s.delta(x, layer)
            if lo != 0 or hi != s.dout:
                d = d[..., lo:hi]
            if d.dtype != y.dtype:
                d = d.to(y.dtype)
            width = y.shape[-1]
            if off != 0 or d.shape[-1] != width:
                d = F.pad(d, (off, width - off - d.shape[-1]))
            y = y + d
        return y


# A place is where one target's adapter adds on one layer: the module's
# parent, its attribute name, the rows [lo, hi) of the set's output it takes
# and the column offset in the module's output.
Place = Tuple[nn.Module, str, int, int, int]


def _layers(model: nn.Module) -> Tuple[str, List[nn.Module]]:
    if hasattr(model, "h") and isinstance(model.h, nn.ModuleList):  # the built-in model
        return "fused", list(model.h)
    inner = getattr(model, "model", None)
    if inner is not None and hasattr(inner, "layers"):  # LLaMA, Mistral, Qwen2, … in transformers
        return "split", list(inner.layers)
    tr = getattr(model, "transformer", None)
    if tr is not None and hasattr(tr, "h"):  # GPT-2 in transformers
        return "fused", list(tr.h)
    raise SpecError(f"cannot find the transformer layers of {type(model).__name__}")


def places(model: nn.Module, arch: Arch, target: str) -> List[List[Place]]:
    """Where the adapter of `target` adds, layer by layer."""
    style, layers = _layers(model)
    d, kv = arch.hidden, arch.kv_dim
    _, dout = arch.target_shape(target)
    out = []
    for layer in layers:
        if style == "fused":
            attn, mlp = layer.attn, layer.mlp
            col = {"q": 0, "k": d, "v": d + kv}
            table = {"qkv": (attn, "c_attn", 0), "q": (attn, "c_attn", 0), "k": (attn, "c_attn", d),
                     "v": (attn, "c_attn", d + kv), "o": (attn, "c_proj", 0), "up": (mlp, "c_fc", 0),
                     "gate": (mlp, "c_gate", 0), "down": (mlp, "c_proj", 0)}
            parent, name, off = table[target]
            out.append([(parent, name, 0, dout, off if target in col else 0)])
        else:
            attn, mlp = layer.self_attn, layer.mlp
            if target == "qkv":  # one A for q, k and v; B's rows are q, then k, then v
                out.append([(attn, "q_proj", 0, d, 0), (attn, "k_proj", d, d + kv, 0),
                            (attn, "v_proj", d + kv, d + 2 * kv, 0)])
                continue
            table = {"q": (attn, "q_proj"), "k": (attn, "k_proj"), "v": (attn, "v_proj"), "o": (attn, "o_proj"),
                     "gate": (mlp, "gate_proj"), "up": (mlp, "up_proj"), "down": (mlp, "down_proj")}
            parent, name = table[target]
            out.append([(parent, name, 0, dout, 0)])
    return out


class Adapters(nn.Module):
    """Every adapter of a model, one AdapterSet per target. It is installed
    as the model's submodule `tiedlora`, so each tensor has one name."""

    def __init__(self) -> None:
        super().__init__()
        self.sets = nn.ModuleDict()
        self._wrapped: List[Tuple[nn.Module, str, nn.Module]] = []

    def trainable(self) -> List[nn.Parameter]:
        """The tensors the optimizer updates, each once."""
        return [p for p in self.parameters() if p.requires_grad]

    def named_trainable(self) -> List[Tuple[str, nn.Parameter]]:
        return [(n, p) for n, p in self.named_parameters() if p.requires_grad]

    def detach_from(self, model: nn.Module) -> None:
        """Restores the base projections and removes the adapters."""
        for parent, name, base in reversed(self._wrapped):
            setattr(parent, name, base)
        self._wrapped.clear()
        if getattr(model, "tiedlora", None) is self:
            del model.tiedlora


def attach(model: nn.Module, arch: Arch, method: Method, rank: int, targets: List[str], seed: int,
           dropout: float = 0.0) -> Adapters:
    """Freezes the base and adds the method's adapters on the targets."""
    if rank <= 0:
        raise SpecError(f"rank must be positive, got {rank}")
    if len(set(targets)) != len(targets):
        raise SpecError(f"adapter targets given twice: {targets}")
    for p in model.parameters():
        p.requires_grad_(False)
    ad = Adapters()
    for target in targets:
        din, dout = arch.target_shape(target)
        s = AdapterSet(method, rank, din, dout, arch.layers, seed, target, dropout)
        ad.sets[target] = s
        for layer, where in enumerate(places(model, arch, target)):
            for parent, name, lo, hi, off in where:
                mod = getattr(parent, name)
                if not isinstance(mod, AdaptedLinear):
                    wrapped = AdaptedLinear(mod)
                    setattr(parent, name, wrapped)
                    ad._wrapped.append((parent, name, mod))
                    mod = wrapped
                mod.add(s, layer, lo, hi, off, len(where))
    device = next(model.parameters()).device
    ad.to(device)
    model.tiedlora = ad
    return ad


def count(model: nn.Module, ad: Adapters) -> Dict[str, object]:
    """The `params` event from the real tensors: trainable (tied counted
    once), total (base + every adapter tensor) and trainable by component."""
    trainable = total = 0
    for p in model.parameters():  # unique: a shared tensor is yielded once
        total += p.numel()
        trainable += p.numel() if p.requires_grad else 0
    total += sum(b.numel() for b in ad.buffers())
    by = {c: 0 for c in COMPONENTS}
    for name, p in ad.named_parameters():
        if p.requires_grad:
            by[name.rsplit(".", 1)[-1].split("_")[0]] += p.numel()
    return {"trainable": trainable, "total": total, "by_component": by}
