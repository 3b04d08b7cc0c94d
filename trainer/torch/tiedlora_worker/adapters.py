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

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

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


def io_shape(mod: nn.Module) -> Optional[Tuple[int, int]]:
    """(d_in, d_out) of a projection the adapters can wrap: nn.Linear, or
    transformers' Conv1D (GPT-2), whose weight is (d_in, d_out) and whose
    forward is x @ W + b; None for anything else."""
    if isinstance(mod, AdaptedLinear):
        return io_shape(mod.base)
    if isinstance(mod, nn.Linear):
        return mod.in_features, mod.out_features
    w = getattr(mod, "weight", None)
    if type(mod).__name__ == "Conv1D" and isinstance(getattr(mod, "nf", None), int) and isinstance(w, torch.Tensor) \
            and w.dim() == 2 and w.shape[1] == mod.nf:
        return int(w.shape[0]), int(mod.nf)
    return None


class AdaptedLinear(nn.Module):
    """A projection (nn.Linear or transformers' Conv1D) plus the adapters
    that add to its output. Each addition takes rows [lo, hi) of an
    AdapterSet's output and adds them at column `off`."""

    def __init__(self, base: nn.Module) -> None:
        super().__init__()
        self.base = base
        self._adds: List[Tuple[AdapterSet, int, int, int, int, int]] = []  # not registered: the sets live elsewhere

    def __getattr__(self, name: str):
        # Model code sometimes reads a projection's attributes (weight.dtype,
        # out_features, Conv1D's nf): they are the wrapped projection's.
        try:
            return super().__getattr__(name)
        except AttributeError:
            base = self._modules.get("base")
            if base is None:
                raise
            return getattr(base, name)

    @property
    def in_features(self) -> int:
        return io_shape(self.base)[0]

    @property
    def out_features(self) -> int:
        return io_shape(self.base)[1]

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


@dataclass(frozen=True)
class Layout:
    """Where a family of models keeps its layers and, for each target, the
    projections inside a layer: (module path, the target whose shape that
    whole module has, rows [lo, hi) of the set's output, column offset),
    with d, kv for hidden and K/V widths."""

    name: str
    layers: str  # dotted path from the model to its nn.ModuleList of layers
    table: Callable[[int, int], Dict[str, List[Tuple[str, str, int, int, int]]]]


def _fused(d: int, kv: int, gate: bool) -> Dict[str, List[Tuple[str, str, int, int, int]]]:
    # One c_attn computes q, k, v side by side (GPT-2's and the Go trainer's).
    t = {"qkv": [("attn.c_attn", "qkv", 0, d + 2 * kv, 0)], "q": [("attn.c_attn", "qkv", 0, d, 0)],
         "k": [("attn.c_attn", "qkv", 0, kv, d)], "v": [("attn.c_attn", "qkv", 0, kv, d + kv)],
         "o": [("attn.c_proj", "o", 0, d, 0)], "up": [("mlp.c_fc", "up", 0, -1, 0)],
         "down": [("mlp.c_proj", "down", 0, d, 0)]}
    if gate:
        t["gate"] = [("mlp.c_gate", "gate", 0, -1, 0)]
    return t


def _split(d: int, kv: int) -> Dict[str, List[Tuple[str, str, int, int, int]]]:
    # Separate q, k, v projections; the paper's qkv target shares one A over
    # them and B's rows are q, then k, then v (K and V kv wide with GQA).
    return {"qkv": [("self_attn.q_proj", "q", 0, d, 0), ("self_attn.k_proj", "k", d, d + kv, 0),
                    ("self_attn.v_proj", "v", d + kv, d + 2 * kv, 0)],
            "q": [("self_attn.q_proj", "q", 0, d, 0)], "k": [("self_attn.k_proj", "k", 0, kv, 0)],
            "v": [("self_attn.v_proj", "v", 0, kv, 0)], "o": [("self_attn.o_proj", "o", 0, d, 0)],
            "gate": [("mlp.gate_proj", "gate", 0, -1, 0)], "up": [("mlp.up_proj", "up", 0, -1, 0)],
            "down": [("mlp.down_proj", "down", 0, d, 0)]}


# Tried in order; the first whose layer list the model has is used.
LAYOUTS = (
    Layout("built-in", "h", lambda d, kv: _fused(d, kv, gate=True)),
    Layout("LLaMA family", "model.layers", _split),
    Layout("GPT-2", "transformer.h", lambda d, kv: _fused(d, kv, gate=False)),
)


def _describe(model: nn.Module) -> str:
    cfg = getattr(model, "config", None)
    mt = getattr(cfg, "model_type", None)
    return f"{type(model).__name__}" + (f" (model_type {mt})" if mt else "")


def _get(root: nn.Module, path: str) -> Optional[nn.Module]:
    m: Optional[nn.Module] = root
    for part in path.split("."):
        m = getattr(m, part, None) if isinstance(m, nn.Module) else None
    return m if isinstance(m, nn.Module) else None


def _layers(model: nn.Module) -> Tuple[Layout, List[nn.Module]]:
    for lay in LAYOUTS:
        ml = _get(model, lay.layers)
        if isinstance(ml, nn.ModuleList) and len(ml) > 0:
            return lay, list(ml)
    looked = ", ".join(f"{lay.layers} ({lay.name})" for lay in LAYOUTS)
    raise SpecError(f"cannot attach adapters to {_describe(model)}: it has none of the layer lists {looked}; "
                    "supported: the built-in model, LLaMA-family models (q_proj, k_proj, v_proj, o_proj, gate_proj, "
                    "up_proj, down_proj) and GPT-2 (c_attn, c_proj, c_fc)")


def _projections(layer: nn.Module) -> List[str]:
    return [n for n, m in layer.named_modules() if n and io_shape(m) is not None and ".base" not in f".{n}"]


def places(model: nn.Module, arch: Arch, target: str) -> List[List[Place]]:
    """Where the adapter of `target` adds, layer by layer. Every module must
    exist and have the shape the arch gives it, or the error says which
    module was looked for and what the layer has instead."""
    lay, layers = _layers(model)
    if len(layers) != arch.layers:
        raise SpecError(f"{_describe(model)} has {len(layers)} layers in {lay.layers}, the spec's architecture "
                        f"{arch.layers}")
    d, kv = arch.hidden, arch.kv_dim
    arch.target_shape(target)  # an unknown target, or gate without SwiGLU
    wanted = lay.table(d, kv).get(target)
    if not wanted:
        raise SpecError(f"target {target} has no module in the {lay.name} layout of {_describe(model)}")
    out = []
    for i, layer in enumerate(layers):
        row = []
        for path, shape_of, lo, hi, off in wanted:
            din, dout = arch.target_shape(shape_of)
            hi = dout if hi < 0 else hi
            where = f"{lay.layers}.{i}.{path}"
            mod = _get(layer, path)
            if mod is None:
                raise SpecError(f"target {target} matches no module in {_describe(model)}: looked for {where} "
                                f"({', '.join(p for p, *_ in wanted)} in each layer); layer {i} has "
                                f"{', '.join(_projections(layer)) or 'no linear projections'}")
            got = io_shape(mod)
            if got is None:
                raise SpecError(f"target {target}: {where} is a {type(mod).__name__}, not an nn.Linear or Conv1D")
            if got != (din, dout):
                raise SpecError(f"target {target}: {where} maps {got[0]} → {got[1]}, the spec's architecture says "
                                f"{din} → {dout} (hidden {d}, kv {kv}, ffn {arch.ffn})")
            parent_path, _, name = path.rpartition(".")
            parent = _get(layer, parent_path) if parent_path else layer
            row.append((parent, name, lo, hi, off))
        out.append(row)
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
    """Freezes the base and adds the method's adapters on the targets (none
    for a reference method)."""
    if rank <= 0:
        raise SpecError(f"rank must be positive, got {rank}")
    if len(set(targets)) != len(targets):
        raise SpecError(f"adapter targets given twice: {targets}")
    where_all = {t: places(model, arch, t) for t in targets}  # every target found before the model is touched
    for p in model.parameters():
        p.requires_grad_(False)
    ad = Adapters()
    if method.reference:  # the base alone: nothing attached, nothing trained
        model.tiedlora = ad
        return ad
    for target in targets:
        din, dout = arch.target_shape(target)
        s = AdapterSet(method, rank, din, dout, arch.layers, seed, target, dropout)
        ad.sets[target] = s
        for layer, where in enumerate(where_all[target]):
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
