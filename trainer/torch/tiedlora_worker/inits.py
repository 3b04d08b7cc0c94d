"""Init rules of adapter components (trainer.Init): zeros | ones |
const:<c> | kaiming-uniform | normal:<std>, drawn from seeded generators so
frozen random tensors are reproducible and need not be checkpointed."""

from __future__ import annotations

import hashlib
import math
from typing import Tuple

import torch


def parse_init(s: str) -> Tuple[str, float]:
    """Returns (kind, number): kind is zeros, ones, const, kaiming or normal."""
    name, sep, arg = s.partition(":")
    if name in ("zeros", "ones", "kaiming-uniform"):
        if sep:
            raise ValueError(f"init {name!r} takes no number")
        return ("kaiming" if name == "kaiming-uniform" else name), 0.0
    if name in ("const", "normal"):
        try:
            x = float(arg)
        except ValueError:
            raise ValueError(f"init {s!r}: {arg!r} is not a number") from None
        if not math.isfinite(x):
            raise ValueError(f"init {s!r}: {arg!r} is not a finite number")
        if name == "const":
            return ("zeros", 0.0) if x == 0 else ("const", x)
        if x <= 0:
            raise ValueError(f"init {s!r}: the standard deviation must be positive")
        return "normal", x
    raise ValueError(f"unknown init {s!r} (want zeros, ones, const:<c>, kaiming-uniform or normal:<std>)")


def generator(seed: int, name: str) -> torch.Generator:
    """A CPU generator for one tensor, keyed by the trial seed and the
    tensor's name, so its values do not depend on which other tensors exist."""
    digest = hashlib.sha256(f"{seed}/{name}".encode()).digest()
    g = torch.Generator()
    g.manual_seed(int.from_bytes(digest[:8], "little") & ((1 << 63) - 1))
    return g


def make(init: str, shape: Tuple[int, ...], fan_in: int, seed: int, name: str) -> torch.Tensor:
    """A float32 CPU tensor initialised by the rule. kaiming-uniform is
    U(±1/√fan_in), what torch's kaiming_uniform_(a=√5) gives and HF PEFT
    uses for LoRA's A."""
    kind, x = parse_init(init)
    if kind == "zeros":
        return torch.zeros(shape)
    if kind == "ones":
        return torch.ones(shape)
    if kind == "const":
        return torch.full(shape, x)
    g = generator(seed, name)
    if kind == "kaiming":
        bound = 1.0 / math.sqrt(fan_in)
        return (torch.rand(shape, generator=g) * 2 - 1) * bound
    return torch.randn(shape, generator=g) * x
