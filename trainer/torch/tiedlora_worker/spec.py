"""spec.json as the worker reads it: the method's component flags, the
architecture, the hyper-parameters with their defaults (trainer/protocol.go,
docs/workers.md)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from typing import Any, Dict, List, Optional, Tuple

from . import PROTOCOL

COMPONENTS = ("A", "B", "u", "v")


class SpecError(ValueError):
    """A spec the worker cannot act on."""


@dataclass(frozen=True)
class Component:
    train: bool
    tied: bool
    init: str


@dataclass(frozen=True)
class Method:
    name: str
    A: Component
    B: Component
    u: Component
    v: Component
    # The built-in base (trainer.Method.Reference): no adapter, nothing
    # trained, no optimizer step.
    reference: bool = False

    def component(self, name: str) -> Component:
        return getattr(self, name)

    @staticmethod
    def from_json(d: Dict[str, Any]) -> "Method":
        comps = {}
        for c in COMPONENTS:
            x = d.get(c)
            if not isinstance(x, dict):
                raise SpecError(f"method {d.get('name')!r}: component {c} is missing")
            comps[c] = Component(bool(x.get("train", False)), bool(x.get("tied", False)), str(x.get("init", "")))
        m = Method(name=str(d.get("name", "")), reference=bool(d.get("reference", False)), **comps)
        m.validate()
        return m

    def validate(self) -> None:
        """The update must start at zero and be able to leave it (METHODS.md):
        exactly one factor starts at zero, and it is trained."""
        from .inits import parse_init  # local: inits imports torch

        zeros = [c for c in COMPONENTS if parse_init(self.component(c).init)[0] == "zeros"]
        if self.reference:
            trained = [c for c in COMPONENTS if self.component(c).train]
            if trained or not zeros:
                raise SpecError(f"method {self.name}: a reference method trains nothing and its update is zero")
            return
        if len(zeros) != 1:
            raise SpecError(f"method {self.name}: exactly one of A, B, u, v must start at zero, got {zeros or 'none'}")
        if not self.component(zeros[0]).train:
            raise SpecError(f"method {self.name}: {zeros[0]} starts at zero and is frozen, so the update can never change")


@dataclass(frozen=True)
class Arch:
    vocab: int
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    ffn: int
    context: int = 0
    mlp: str = "swiglu"
    norm: str = "rmsnorm"
    positions: str = "rope"
    bias: bool = False
    tied_embeddings: bool = False
    name: str = ""

    @staticmethod
    def from_json(d: Dict[str, Any]) -> "Arch":
        known = {f.name for f in fields(Arch)}
        a = Arch(**{k: v for k, v in d.items() if k in known})
        problems = [f"{k} must be positive" for k in ("vocab", "hidden", "layers", "heads", "kv_heads", "ffn") if getattr(a, k) <= 0]
        if not problems:
            if a.hidden % a.heads:
                problems.append(f"hidden {a.hidden} is not a multiple of heads {a.heads}")
            if a.heads % a.kv_heads:
                problems.append(f"heads {a.heads} is not a multiple of kv_heads {a.kv_heads}")
        if a.mlp not in ("gelu", "swiglu"):
            problems.append(f"mlp must be gelu or swiglu, got {a.mlp!r}")
        if a.norm not in ("layernorm", "rmsnorm"):
            problems.append(f"norm must be layernorm or rmsnorm, got {a.norm!r}")
        if a.positions not in ("learned", "rope"):
            problems.append(f"positions must be learned or rope, got {a.positions!r}")
        if a.positions == "learned" and a.context <= 0:
            problems.append("learned positions need a positive context")
        if problems:
            raise SpecError(f"architecture {a.name}: " + "; ".join(problems))
        return a

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @property
    def kv_dim(self) -> int:
        return self.kv_heads * self.head_dim

    def target_shape(self, target: str) -> Tuple[int, int]:
        """(d_in, d_out) of an adapter target, as trainer.Arch.TargetShape."""
        d, kv = self.hidden, self.kv_dim
        shapes = {"qkv": (d, d + 2 * kv), "q": (d, d), "o": (d, d), "k": (d, kv), "v": (d, kv),
                  "up": (d, self.ffn), "down": (self.ffn, d), "gate": (d, self.ffn)}
        if target not in shapes:
            raise SpecError(f"unknown adapter target {target!r} (want one of {', '.join(shapes)})")
        if target == "gate" and self.mlp != "swiglu":
            raise SpecError("target gate needs a SwiGLU MLP")
        return shapes[target]

    def base_params(self) -> int:
        """trainer.Arch.BaseParams: the base model's parameter count."""
        d, L, f, kv = self.hidden, self.layers, self.ffn, self.kv_dim
        b = (lambda n: n) if self.bias else (lambda n: 0)
        norm = 2 * d if self.norm == "layernorm" else d
        attn = d * (d + 2 * kv) + b(d + 2 * kv) + d * d + b(d)
        mlp = 3 * d * f + b(2 * f) + b(d) if self.mlp == "swiglu" else 2 * d * f + b(f) + b(d)
        n = L * (attn + mlp + 2 * norm) + norm + self.vocab * d
        if not self.tied_embeddings:
            n += self.vocab * d
        if self.positions == "learned":
            n += self.context * d
        return n


@dataclass
class HParams:
    """The fine-tuning recipe; defaults are the sweep loader's for the torch
    worker (sweeps/hparams.go): warmup scales with the run, steps // 10."""

    lr: float = 1e-4
    steps: int = 1000
    batch_size: int = 8
    grad_accum: int = 1
    warmup: int = 100  # steps // 10 when the spec gives none
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    eval_every: int = 200
    checkpoint_every: int = 200
    patience: int = 0
    dropout: float = 0.0
    max_seq_len: int = 512
    eval_examples: int = 200
    log_every: int = 10
    max_new_tokens: int = 0

    @staticmethod
    def from_json(d: Dict[str, Any]) -> "HParams":
        h = HParams()
        types = {f.name: f.type for f in fields(HParams)}
        bad = []
        for k, v in sorted(d.items()):
            if k not in types:
                bad.append(f"unknown hparam {k!r}")
            elif not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                bad.append(f"hparam {k} must be a number, got {v!r}")
            elif types[k] in ("int", int):
                if v != int(v):
                    bad.append(f"hparam {k} must be an integer, got {v}")
                setattr(h, k, int(v))
            else:
                setattr(h, k, float(v))
        if "warmup" not in d:
            h.warmup = h.steps // 10
        checks = [
            (h.lr > 0, "lr must be positive"), (h.steps >= 0, "steps must not be negative"),
            (h.batch_size > 0, "batch_size must be positive"), (h.grad_accum > 0, "grad_accum must be positive"),
            (h.warmup >= 0, "warmup must not be negative"), (h.weight_decay >= 0, "weight_decay must not be negative"),
            (h.grad_clip >= 0, "grad_clip must not be negative"), (0 <= h.dropout < 1, "dropout must be in [0, 1)"),
            (h.max_seq_len >= 2, "max_seq_len must be at least 2"),
            (min(h.eval_every, h.checkpoint_every, h.patience, h.eval_examples, h.max_new_tokens) >= 0,
             "eval_every, checkpoint_every, patience, eval_examples and max_new_tokens must not be negative"),
        ]
        bad += [msg for ok, msg in checks if not ok]
        if bad:
            raise SpecError("hparams: " + "; ".join(bad))
        h.log_every = max(h.log_every, 1)
        return h


@dataclass
class Spec:
    raw: Dict[str, Any]
    path: str
    method: Method
    rank: int
    seed: int
    arch: Arch
    targets: List[str]
    hparams: HParams
    attempt_dir: str
    task: Dict[str, Any] = field(default_factory=dict)
    model_path: str = ""
    resume_from: str = ""
    cache_dir: str = ""
    expected: Optional[Dict[str, Any]] = None

    @property
    def mode(self) -> str:
        return self.task.get("mode") or "generate"


def load_spec(path: str) -> Spec:
    with open(path, encoding="utf-8") as f:
        try:
            raw = json.load(f)
        except json.JSONDecodeError as e:
            raise SpecError(f"{path}: not a spec: {e}") from e
    if raw.get("protocol") != PROTOCOL:
        raise SpecError(f"{path}: protocol {raw.get('protocol')}; this worker speaks {PROTOCOL}")
    for key in ("task", "method", "model"):
        if not raw.get(key):
            raise SpecError(f"{path}: the spec has no {key}")
    if int(raw.get("rank") or 0) <= 0:
        raise SpecError(f"{path}: rank must be positive, got {raw.get('rank')}")
    if not raw.get("attempt_dir"):
        raise SpecError(f"{path}: the spec has no attempt_dir")
    model = raw["model"]
    arch = dict(model.get("arch") or {})
    arch.setdefault("name", model.get("preset") or model.get("path") or "")
    h = HParams.from_json(raw.get("hparams") or {})
    return Spec(raw=raw, path=path, method=Method.from_json(raw["method"]), rank=int(raw["rank"]),
                seed=int(raw.get("seed") or 0), arch=Arch.from_json(arch), targets=list(raw.get("targets") or ["qkv"]),
                hparams=h, attempt_dir=raw["attempt_dir"], task=raw["task"], model_path=model.get("path") or "",
                resume_from=raw.get("resume_from") or "", cache_dir=raw.get("cache_dir") or "",
                expected=raw.get("params"))
