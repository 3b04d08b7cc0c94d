"""Init rules of adapter components (trainer.Init): zeros | ones |
const:<c> | kaiming-uniform | kaiming-uniform-relu | normal:<std>, drawn
from seeded generators so frozen random tensors are reproducible and need
not be checkpointed."""

from __future__ import annotations

import hashlib
import math
from typing import Tuple

import torch

# kaiming-uniform-relu is drawn as HF PEFT's VeRA draws vera_A and vera_B.
PEFT_VERA = "kaiming-relu"


def parse_init(s: str) -> Tuple[str, float]:
    """Returns (kind, number): kind is zeros, ones, const, kaiming,
    kaiming-relu or normal."""
    name, sep, arg = s.partition(":")
    kinds = {"zeros": "zeros", "ones": "ones", "kaiming-uniform": "kaiming", "kaiming-uniform-relu": PEFT_VERA}
    if name in kinds:
        if sep:
            raise ValueError(f"init {name!r} takes no number")
        return kinds[name], 0.0
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
    raise ValueError(f"unknown init {s!r} (want zeros, ones, const:<c>, kaiming-uniform, kaiming-uniform-relu "
                     "or normal:<std>)")


def generator(seed: int, name: str) -> torch.Generator:
    """A CPU generator for one tensor, keyed by the trial seed and the
    tensor's name, so its values do not depend on which other tensors exist."""
    digest = hashlib.sha256(f"{seed}/{name}".encode()).digest()
    g = torch.Generator()
    g.manual_seed(int.from_bytes(digest[:8], "little") & ((1 << 63) - 1))
    return g


def relu_bound(fan_in: int) -> float:
    """kaiming-uniform-relu's bound: gain √2 · √(3/fan_in) = √(6/fan_in),
    as PEFT's vera `_kaiming_init` computes it."""
    return math.sqrt(3.0) * (math.sqrt(2) / math.sqrt(fan_in))


def make(init: str, shape: Tuple[int, ...], fan_in: int, seed: int, name: str, tied: bool = False,
         after: Tuple[int, ...] = ()) -> torch.Tensor:
    """A float32 CPU tensor initialised by the rule. kaiming-uniform is
    U(±1/√fan_in), what torch's kaiming_uniform_(a=√5) gives and HF PEFT
    uses for LoRA's A; kaiming-uniform-relu is U(±√(6/fan_in)), PEFT's
    VeRA projections.

    A tied kaiming-uniform-relu tensor is drawn as PEFT's VeRA draws, so a
    trial with seed s has PEFT's vera_A and vera_B for
    projection_prng_key=s: from one generator seeded with s itself, A's
    values first, so B passes `after` (A's shape) to first draw A's values
    and drop them. A per-layer one keeps the name-keyed generator (else
    every layer would be equal)."""
    kind, x = parse_init(init)
    if kind == "zeros":
        return torch.zeros(shape)
    if kind == "ones":
        return torch.ones(shape)
    if kind == "const":
        return torch.full(shape, x)
    if kind == PEFT_VERA:
        if not tied:
            g = generator(seed, name)
        else:
            g = torch.Generator().manual_seed(seed)
            if after:
                b = relu_bound(after[-1])
                torch.empty(after).uniform_(-b, b, generator=g)
        b = relu_bound(fan_in)
        return torch.empty(shape).uniform_(-b, b, generator=g)  # PEFT's call: same values, bit for bit
    g = generator(seed, name)
    if kind == "kaiming":
        bound = 1.0 / math.sqrt(fan_in)
        return (torch.rand(shape, generator=g) * 2 - 1) * bound
    return torch.randn(shape, generator=g) * x
